"""What a service stored, read straight from its test database for assertions."""
from sqlalchemy import text


def remittance_account(engine, unit_account):
    """The contributions service's remittance account of an employer, or None."""
    with engine.connect() as conn:
        return conn.execute(text("select name, employer_rate, paid_up_to from employer_accounts "
                                 "where unit_account = :u"), {"u": unit_account}).first()
