"""Every function that takes orders also takes an Activity (orders mapped onto a network
once): the answers equal those of the order frame itself, with the Activity's volume
column as the amount (or its value column of the amount's name), for int, str and other
label ids."""

import numpy as np
import pandas as pd
import pytest

import downline as dl

AS_OF = "2024-01-01"


def company(kind):
    people, orders = dl.sample(1500, seed=3)
    if kind == "int":
        return people, orders
    if kind == "str":
        relabel = lambda v: None if pd.isna(v) else f"M{int(v)}"  # noqa: E731
    else:  # tuples: labels that are neither ints nor strings
        relabel = lambda v: None if pd.isna(v) else ("m", int(v))  # noqa: E731
    people = people.assign(id=people["id"].map(relabel).astype(object),
                           sponsor_id=people["sponsor_id"].astype(object).map(relabel).astype(object))
    orders = orders.assign(participant_id=orders["participant_id"].map(relabel).astype(object))
    return people, orders


ANALYSES = {
    "order_summary": lambda net, x: dl.order_summary(x, AS_OF, amount="pv"),
    "order_summary_net": lambda net, x: dl.order_summary(x, AS_OF, amount="pv", participants=net),
    "lifecycle": lambda net, x: dl.lifecycle(x, AS_OF).segments,
    "lifecycle_refunds": lambda net, x: dl.lifecycle(x, AS_OF, amount="pv", participants=net).segments,
    "rfm": lambda net, x: dl.rfm(x, AS_OF, amount="pv"),
    "migration": lambda net, x: dl.migration(x, "2023-06-01", AS_OF).transitions,
    "churn": lambda net, x: dl.churn(net, x, AS_OF),
    "cohort": lambda net, x: dl.cohort_retention(x, AS_OF).counts,
    "cohort_enrolment": lambda net, x: dl.cohort_retention(x, AS_OF, cohort="enrolment", participants=net).counts,
}


@pytest.mark.parametrize("kind", ["int", "str", "labels"])
@pytest.mark.parametrize("analysis", sorted(ANALYSES))
def test_an_activity_answers_as_its_orders(kind, analysis):
    people, orders = company(kind)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    act = net.activity(orders)
    run = ANALYSES[analysis]
    expected = run(net, orders)
    got = run(net, act)
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(got, expected)
    else:
        pd.testing.assert_series_equal(got, expected)


@pytest.mark.parametrize("kind", ["int", "str"])
def test_an_activity_value_column_is_the_amount_it_names(kind):
    people, orders = company(kind)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on")
    act = net.activity(orders, values=["amount"])
    assert not np.allclose(orders["amount"], orders["pv"])  # the amounts are not the volumes
    for run in (dl.rfm, dl.order_summary):
        pd.testing.assert_frame_equal(run(act, AS_OF, amount="amount"), run(orders, AS_OF, amount="amount"))
    pd.testing.assert_frame_equal(dl.rfm(net.activity(orders), AS_OF, amount="amount"),  # no such value column:
                                  dl.rfm(orders, AS_OF, amount="pv"))                      # the volumes


def test_the_orders_an_activity_dropped_are_not_counted():
    people, orders = company("int")
    net = dl.Network.from_frame(people)
    stranger = orders.iloc[:3].assign(participant_id=-7)
    with pytest.warns(dl.DroppedRowsWarning):
        act = net.activity(pd.concat([orders, stranger], ignore_index=True), unknown="drop")
    pd.testing.assert_frame_equal(dl.rfm(act, AS_OF, amount="pv"), dl.rfm(orders, AS_OF, amount="pv"))


def test_an_activity_of_one_period_is_refused():
    people, orders = company("int")
    net = dl.Network.from_frame(people)
    vol = net.volumes(orders, start="2023-01-01", end="2023-02-01")  # a period: fine for volumes
    assert len(vol) == len(net)
    act = net.activity(orders, _window=(19358, 19389))  # the orders of January 2023 only
    with pytest.raises(dl.InputError, match="one period"):
        dl.lifecycle(act, AS_OF)


def test_orders_of_another_type_are_named():
    with pytest.raises(dl.InputError, match="DataFrame or a downline Activity, not list"):
        dl.lifecycle([1, 2], AS_OF)
