"""Seed each HPF year's policy from configuration; a year already stored is kept."""
from services.contributions.models import Policy
from services.contributions.rules import parse_policy


def bootstrap(session, config):
    for seed in config.get("POLICY_SEED", []):
        policy = parse_policy(seed)
        if session.get(Policy, policy["year"]) is None:
            session.add(Policy(**policy))
