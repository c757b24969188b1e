"""Each module registers its routes on import."""
from services.gateway.api import accounts, annual, auth, contributions, employer, health, home, status, supplementary, tasks, vouchers  # noqa: F401
