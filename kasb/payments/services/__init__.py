"""Every write to the payments app's models. Other apps import from here."""

from .funding import (
    correct_transaction,
    exchange,
    fund_programme,
    may_act_for_partner,
    pay_from_fund,
    pay_from_reservation,
    pay_stipend,
    record_deposit,
    release,
    reservation_for,
    reserve,
)
from .ledger import InsufficientFunds, Leg, post, reverse, worker_account
from .methods import add_payout_method, decide_payout_method, lift_hold, place_hold, retire_payout_method
from .payouts import (
    approve_batch,
    cancel_batch,
    create_batch,
    produce_batch_file,
    record_file_download,
)
from .result_files import apply_result_import, import_results

__all__ = [
    "InsufficientFunds",
    "Leg",
    "add_payout_method",
    "approve_batch",
    "cancel_batch",
    "correct_transaction",
    "create_batch",
    "decide_payout_method",
    "exchange",
    "fund_programme",
    "import_results",
    "apply_result_import",
    "lift_hold",
    "may_act_for_partner",
    "pay_from_fund",
    "pay_from_reservation",
    "pay_stipend",
    "place_hold",
    "post",
    "produce_batch_file",
    "record_deposit",
    "record_file_download",
    "release",
    "reservation_for",
    "reserve",
    "retire_payout_method",
    "reverse",
    "worker_account",
]
