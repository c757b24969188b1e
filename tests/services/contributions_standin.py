"""A stand-in accounts service for the contributions tests: it answers `remittance_roster` from a
roster the test sets, and writes posted rows as the contract (§2) says, once per (reference,
account_no, month), through the real broker."""
import threading

from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc

ROSTERS = {}          # unit_account -> [[account_no, name, id_number, base], ...]
CREDITED = {}         # (verification_no, account_no, month) -> (employer_amount, employee_amount)
POSTED_EVENTS = []    # verification_posting payloads heard
HOLD = threading.Event()  # set: posting events are heard but not acted on (a stopped accounts side)
_lock = threading.Lock()


def reset():
    """Each test module has its own databases, so verification numbers repeat between modules."""
    ROSTERS.clear()
    CREDITED.clear()
    POSTED_EVENTS.clear()
    HOLD.clear()


class StandInAccounts:
    name = "accounts"

    contributions = RpcProxy("contributions")
    dispatch = EventDispatcher()

    @rpc
    def remittance_roster(self, unit_account):
        return {"members": [list(m) for m in ROSTERS.get(unit_account, [])]}

    @rpc
    def member_counts(self, unit_account):
        members = ROSTERS.get(unit_account, [])
        return {"total": len(members), "by_status": [{"code": "01", "name": "正常", "count": len(members)}]}

    @event_handler("contributions", "verification_posting")
    def on_posting(self, payload):
        POSTED_EVENTS.append(payload)
        if HOLD.is_set():
            return
        number, after, written = payload["verification_no"], 0, 0
        while True:
            rows = self.contributions.verification_rows(number, after=after, limit=1000)["rows"]
            if not rows:
                break
            with _lock:
                for row_id, account_no, month, employer_amount, employee_amount in rows:
                    CREDITED.setdefault((number, account_no, month), (employer_amount, employee_amount))
            after = rows[-1][0]
        with _lock:
            written = sum(1 for key in CREDITED if key[0] == number)
        if written == payload["total_rows"]:
            self.dispatch("verification_rows_posted", {"verification_no": number,
                                                       "unit_account": payload["unit_account"],
                                                       "rows": written})
