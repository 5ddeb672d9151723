"""Issue 25: one behaviour everywhere (docs/concepts.md, "Refunds").

- Where the orders have the money column (``amount`` by default), rows whose amount is
  <= 0 are refunds and never order days, in every segmentation and retention function: each
  gives on the orders what it gives on the orders with the refund rows taken out by pandas.
- Customers whose rows are all refunds are "no purchase" wherever that state exists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import downline as dl

AS_OF = pd.Timestamp("2023-06-30")


@pytest.fixture(scope="module")
def company():
    people, orders = dl.sample(3000, seed=21)
    refund = orders["amount"] <= 0
    assert refund.sum() > 100
    # refunds whose points are positive, so that a rule on pv alone would count them
    orders.loc[refund, "pv"] = orders.loc[refund, "pv"].abs() + 1.0
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    return net, orders, orders[~refund]


def _compare(a, b):
    if isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b)
    else:
        pd.testing.assert_frame_equal(a, b)


# each function as a user calls it, reduced to the figures that order days decide
FUNCTIONS = {
    "lifecycle": lambda net, o, **kw: dl.lifecycle(o, AS_OF, participants=net, **kw).segments,
    "lifecycle_no_purchase": lambda net, o, **kw: pd.Series(
        [dl.lifecycle(o, AS_OF, participants=net, **kw).no_purchase]),
    "migration": lambda net, o, **kw: dl.migration(o, AS_OF - pd.DateOffset(months=3), AS_OF, participants=net,
                                                   **kw).matrix,
    "rfm": lambda net, o, **kw: dl.rfm(o, AS_OF, participants=net, **kw)[["recency", "frequency"]],
    "churn": lambda net, o, **kw: dl.churn(net, o, AS_OF, **kw),
    "organisation_retention": lambda net, o, **kw: net.retention(o, AS_OF, top=3, **kw).survival_table_,
    "cohort_retention": lambda net, o, **kw: dl.cohort_retention(o, AS_OF, **kw).counts,
    "cohort_retention_enrolment": lambda net, o, **kw: dl.cohort_retention(
        o, AS_OF, cohort="enrolment", participants=net, **kw).counts,
    "participant_types": lambda net, o, **kw: dl.participant_types(net, o, AS_OF, **kw),
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_refund_rows_are_never_order_days(company, name):
    net, orders, bought = company
    call = FUNCTIONS[name]
    got = call(net, orders)  # the default: the orders' amount column
    _compare(got, call(net, bought))
    _compare(got, call(net, orders, amount="amount"))
    # from an Activity that keeps the amounts, the same
    act = net.activity(orders, values=["amount"])
    _compare(got, call(net, act))
    # and every row counts only when asked (amount=None), which here differs
    if name != "rfm":  # rfm's monetary needs the money: amount=None is refused
        with pytest.raises(AssertionError):
            _compare(got, call(net, orders, amount=None))
    else:
        with pytest.raises(dl.InputError, match="amount=None"):
            call(net, orders, amount=None)


def test_orders_without_an_amount_column_count_every_row(company):
    """No money column under the default name: every row is an order day (as amount=None)."""
    net, orders, _ = company
    no_money = orders.drop(columns="amount")
    for name, call in FUNCTIONS.items():
        if name == "rfm":
            with pytest.raises(dl.InputError, match="missing column 'amount'"):
                call(net, no_money)
            continue
        _compare(call(net, no_money), call(net, orders, amount=None))
    with pytest.raises(dl.InputError, match="missing column 'money'"):  # a name given must be there
        dl.lifecycle(orders, AS_OF, amount="money")


def test_customers_whose_rows_are_all_refunds_are_no_purchase():
    # 1 buys; 2 has refunds only; 3 a refund and a purchase; 4 nothing (all enrolled in 2023-01)
    net = dl.Network.from_frame(pd.DataFrame({"id": [1, 2, 3, 4], "sponsor_id": [None, 1, 1, 1],
                                              "enrolled_on": pd.to_datetime(["2023-01-02"] * 4)}),
                                enrolled_on="enrolled_on")
    orders = pd.DataFrame({"participant_id": [1, 2, 2, 3, 3],
                           "ordered_on": pd.to_datetime(["2023-06-01", "2023-06-02", "2023-06-05", "2023-06-03",
                                                         "2023-06-20"]),
                           "amount": [10.0, -4.0, 0.0, -2.0, 7.0]})
    lc = dl.lifecycle(orders, AS_OF, participants=net)
    assert lc.no_purchase == 2  # 2 and 4
    assert lc.segments["segment"].isna().tolist() == [False, True, False, True]
    m = dl.migration(orders, "2023-06-10", AS_OF, participants=net)
    assert m.transitions.loc[2].tolist() == [dl.segment.NO_PURCHASE, dl.segment.NO_PURCHASE]
    assert m.transitions.loc[3].tolist() == [dl.segment.NO_PURCHASE, "New Active"]
    r = dl.rfm(orders, AS_OF, participants=net)
    assert r.loc[2, "frequency"] == 0 and pd.isna(r.loc[2, "segment"]) and r.loc[2, "monetary"] == -4.0
    ch = dl.churn(net, orders, AS_OF, churn_after=30)
    # 2's refunds are not activity: last activity is the enrolment, long ago
    assert ch.loc[2, "last_activity"] == pd.Timestamp("2023-01-02") and bool(ch.loc[2, "churned"])
    assert ch.loc[3, "last_activity"] == pd.Timestamp("2023-06-20") and not bool(ch.loc[3, "churned"])
    np.testing.assert_array_equal(dl.cohort_retention(orders, AS_OF).sizes.to_numpy(), [2])  # 1 and 3


# every function that reads orders with a period or a date, as a user calls it
def _plan():
    return dl.CompensationPlan.example()


WITH_A_PERIOD = {
    "volumes of a month": lambda net, o, **kw: net.volumes(o, start="2023-05-01", end="2023-06-01", **kw),
    "volumes as of a date": lambda net, o, **kw: net.volumes(o, as_of="2022-01-31", **kw),
    "legs": lambda net, o, **kw: net.legs(net.ids[0], o, start="2023-05-01", end="2023-06-01", **kw),
    "activity": lambda net, o, **kw: net.activity(o, **kw),
    "participant_types": lambda net, o, **kw: dl.participant_types(net, o, AS_OF, **kw),
    "plan.evaluate": lambda net, o, **kw: _plan().evaluate(net, o, start="2023-05-01", **kw),
    "plan.run": lambda net, o, **kw: _plan().run(net, o, start="2023-04-01", end="2023-06-01", **kw),
    "compare_plans": lambda net, o, **kw: dl.compare_plans(_plan(), _plan(), net, o, start="2023-05-01", **kw),
    "lifecycle": lambda net, o, **kw: dl.lifecycle(o, AS_OF, participants=net, **kw),
    "migration": lambda net, o, **kw: dl.migration(o, "2023-03-31", AS_OF, participants=net, **kw),
    "rfm": lambda net, o, **kw: dl.rfm(o, AS_OF, participants=net, **kw),
    "churn": lambda net, o, **kw: dl.churn(net, o, AS_OF, **kw),
    "retention": lambda net, o, **kw: net.retention(o, AS_OF, top=2, **kw),
    "cohort_retention": lambda net, o, **kw: dl.cohort_retention(o, AS_OF, participants=net, **kw),
}


@pytest.mark.parametrize("name", WITH_A_PERIOD)
@pytest.mark.parametrize("when", ["2019-03-02", "2023-05-10", "2025-01-15"])  # before, in, after the period
def test_unknown_participants_are_checked_on_every_row_whatever_the_period(company, name, when):
    net, orders, _ = company
    stranger = pd.DataFrame({"participant_id": [424242], "ordered_on": [pd.Timestamp(when)], "amount": [5.0],
                             "pv": [4.0]})
    with_stranger = pd.concat([orders, stranger], ignore_index=True)
    with pytest.raises(dl.UnknownIdError, match="424242") as err:
        WITH_A_PERIOD[name](net, with_stranger)
    assert err.value.ids == [424242]
    # dropped on request, with a warning that names it, and then the answer without it
    with pytest.warns(dl.DroppedRowsWarning, match="424242"):
        WITH_A_PERIOD[name](net, with_stranger, unknown="drop")
