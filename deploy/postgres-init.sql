-- One database per service: no service reads another's tables.
CREATE DATABASE hpf_auth;
CREATE DATABASE hpf_employer;
CREATE DATABASE hpf_accounts;
CREATE DATABASE hpf_contributions;
CREATE DATABASE hpf_progress;
