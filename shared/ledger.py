"""Business types of the ledgers (业务类型), by the national standard's codes: one list, each
ledger takes the types it can hold."""
BUSINESS_TYPES = {"01": "汇缴", "02": "补缴", "04": "启封", "05": "封存", "06": "内部转移", "07": "合并",
                  "09": "年终结息", "99": "其他"}
