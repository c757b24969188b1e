"""Common package of the employer online hall: what two or more services use."""
