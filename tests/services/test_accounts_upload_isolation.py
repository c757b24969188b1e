"""An upload is parsed with no database connection held: other employers' requests keep their pool."""
import base64
import io

import pytest
from openpyxl import load_workbook

from services.accounts import service as accounts_service
from services.accounts.service import AccountsService
from services.contributions.service import ContributionsService
from services.employer.service import EmployerService
from shared.db import Database
from tests.factories import employer_data, mobile, resident_ids


@pytest.fixture(scope="module")
def accounts(start_service):
    start_service(EmployerService)
    start_service(ContributionsService)
    return start_service(AccountsService)


def test_f3_2_no_connection_is_held_while_the_file_is_parsed(rpc, accounts, monkeypatch):
    [database] = [d for d in accounts.extensions if isinstance(d, Database)]
    held_while_parsing = []
    real_read_rows = accounts_service.read_rows

    def watched_read_rows(*args, **kwargs):
        for index, row in enumerate(real_read_rows(*args, **kwargs)):
            if index % 100 == 0:  # the import's own session (the service's sweep may hold another)
                held_while_parsing.append(any(
                    session.in_transaction() for worker, session in list(database.sessions.items())
                    if worker.entrypoint.method_name == "import_opening_file"))
            yield row

    monkeypatch.setattr(accounts_service, "read_rows", watched_read_rows)
    unit = rpc.employer.register_employer(employer_data())["unit_account"]
    wb = load_workbook(io.BytesIO(base64.b64decode(rpc.accounts.opening_template()["content_base64"])))
    ws = wb.worksheets[0]
    for r, number in enumerate(resident_ids(1000), start=2):
        for c, value in enumerate((f"职工{r}", number, "5000.00", mobile()), start=1):
            ws.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    result = rpc.accounts.import_opening_file(unit, base64.b64encode(buffer.getvalue()).decode())
    assert result["imported"] == 1000 and result["errors"] == []
    assert held_while_parsing == [False] * 10
