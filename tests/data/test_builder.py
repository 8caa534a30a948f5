"""What the plot model makes of real RunEngine documents."""

import numpy as np
import pytest
from bluesky import plans as bp
from ophyd.sim import det1, det2, det4, direct_img, motor1, motor2

from queue_gui.data.builder import PlotBuilder
from queue_gui.data.runs import LiveData, RunListener

from .documents import as_received


def model(max_runs=5):
    live = LiveData()
    return live, PlotBuilder(live, max_runs=max_runs)


def events_of(documents):
    return [doc for name, doc in documents if name == "event"]


def start_of(documents):
    return next(doc for name, doc in documents if name == "start")


def line_data(builder, run_uid, y):
    (line,) = [a for a in builder.artists_of(run_uid) if a.axes.title == y]
    data = line.update()
    return data["x"], data["y"]


def test_a_scan_gives_one_figure_whose_line_holds_the_readings(record):
    documents = record(bp.scan([det1, det2], motor1, -1, 1, 11))
    live, builder = model()
    live.consume(as_received(documents))
    (figure,) = builder.figures
    assert figure.title == "det1, det2 vs motor1"
    assert [axes.title for axes in figure.axes] == ["det1", "det2"]
    assert figure.axes[0].x_label == "motor1"
    uid = start_of(documents)["uid"]
    x, y = line_data(builder, uid, "det1")
    events = events_of(documents)
    assert x.tolist() == [e["data"]["motor1"] for e in events]
    assert y.tolist() == [e["data"]["det1"] for e in events]
    assert len(y) == 11
    assert builder.figures_of(uid) == [figure]
    assert builder.figures.active_index == 0


def test_events_and_event_pages_give_the_same_plot(record):
    documents = record(bp.scan([det1], motor1, -1, 1, 7))
    uid = start_of(documents)["uid"]
    packed_live, packed = model()
    packed_live.consume(as_received(documents, pack=True))
    single_live, single = model()
    single_live.consume(as_received(documents, pack=False))
    assert any(name == "event_page" for name, _ in as_received(documents, pack=True))
    for a, b in zip(line_data(packed, uid, "det1"), line_data(single, uid, "det1")):
        assert a.tolist() == b.tolist()


def test_a_count_is_plotted_against_seconds_since_the_start(record):
    documents = record(bp.count([det1], num=3))
    live, builder = model()
    live.consume(as_received(documents))
    (figure,) = builder.figures
    assert figure.axes[0].x_label == "time (s)"
    x, y = line_data(builder, start_of(documents)["uid"], "det1")
    start = start_of(documents)["time"]
    assert x.tolist() == pytest.approx([e["time"] - start for e in events_of(documents)])
    assert len(y) == 3


def test_a_single_reading_makes_no_figure(record):
    live, builder = model()
    live.consume(as_received(record(bp.count([det1]))))
    assert len(builder.figures) == 0


def test_the_last_runs_share_a_figure_and_older_ones_fade_then_leave(record):
    live, builder = model(max_runs=3)
    uids = []
    for _ in range(4):
        documents = record(bp.scan([det1], motor1, -1, 1, 5))
        uids.append(start_of(documents)["uid"])
        live.consume(as_received(documents))
    (figure,) = builder.figures
    lines = figure.axes[0].artists
    assert [line.label for line in lines] == [live.run(u).label if live.run(u) else None for u in uids[1:]]
    assert builder.artists_of(uids[0]) == []
    alphas = [line.style["alpha"] for line in lines]
    assert alphas[-1] == 1.0 and alphas[0] < alphas[1] < alphas[2]
    assert len({line.style["color"] for line in lines}) == 3
    assert lines[-1].label.endswith("· scan") and lines[-1].label.startswith("scan ")


def test_data_arrive_incrementally_and_each_page_signals_new_data(record):
    documents = as_received(record(bp.scan([det1], motor1, -1, 1, 11)), pack=False)
    live, builder = model()
    seen = []
    live.consume(documents[:3])  # start, descriptor, first event
    (line,) = builder.artists_of(documents[0][1]["uid"])
    line.events.new_data.connect(lambda event: seen.append(len(line.update()["y"])))
    for pair in documents[3:]:
        live.consume([pair])
    assert seen == list(range(2, 12))
    assert line.live is False, "the stop document completes the line"


def test_a_grid_scan_fills_an_image_cell_by_cell(record):
    documents = record(bp.grid_scan([det4], motor1, -1, 1, 3, motor2, -1, 1, 4))
    live, builder = model()
    live.consume(as_received(documents))
    (figure,) = builder.figures
    (image,) = builder.artists_of(start_of(documents)["uid"])
    array = image.update()["array"]
    assert array.shape == (3, 4)
    rows, columns = np.linspace(-1, 1, 3), np.linspace(-1, 1, 4)
    for event in events_of(documents):
        r = int(np.argmin(abs(rows - event["data"]["motor1"])))
        c = int(np.argmin(abs(columns - event["data"]["motor2"])))
        assert array[r, c] == event["data"]["det4"]
    assert figure.axes[0].x_label == "motor2" and figure.axes[0].y_label == "motor1"
    left, right, bottom, top = image.style["extent"]
    assert (left, right) == pytest.approx((-1 - 1 / 3, 1 + 1 / 3))
    assert (bottom, top) == pytest.approx((-1.5, 1.5))


def test_a_snaking_grid_scan_puts_each_point_in_its_cell(record):
    documents = record(bp.grid_scan([det4], motor1, -1, 1, 3, motor2, -1, 1, 4, snake_axes=True))
    assert list(start_of(documents)["snaking"]) == [False, True]
    live, builder = model()
    received = as_received(documents, pack=False)
    live.consume(received[:-4])  # part of the scan: cells not yet measured stay empty
    (image,) = builder.artists_of(start_of(documents)["uid"])
    assert np.isnan(image.update()["array"]).any()
    live.consume(received[-4:])
    array = image.update()["array"]
    rows, columns = np.linspace(-1, 1, 3), np.linspace(-1, 1, 4)
    for event in events_of(documents):
        r = int(np.argmin(abs(rows - event["data"]["motor1"])))
        c = int(np.argmin(abs(columns - event["data"]["motor2"])))
        assert array[r, c] == event["data"]["det4"]
    assert not np.isnan(array).any()


def test_a_grid_without_shape_falls_back_to_lines(record):
    documents = record(bp.grid_scan([det4], motor1, -1, 1, 3, motor2, -1, 1, 2))
    received = as_received(documents)
    for name, doc in received:
        if name == "start":
            del doc["shape"], doc["extents"]
    live, builder = model()
    live.consume(received)
    (figure,) = builder.figures
    assert figure.axes[0].x_label == "motor1"
    assert len(figure.axes[0].artists[0].update()["y"]) == 6


def test_a_two_dimensional_detector_shows_its_latest_frame(record):
    documents = record(bp.count([direct_img], num=2))
    live, builder = model()
    live.consume(as_received(documents))
    (figure,) = builder.figures
    (image,) = builder.artists_of(start_of(documents)["uid"])
    assert image.update()["array"].tolist() == np.asarray(events_of(documents)[-1]["data"]["img"]).tolist()


def test_a_malformed_run_is_reported_and_later_runs_still_plot(record):
    bad = as_received(record(bp.scan([det1], motor1, -1, 1, 5)))
    for name, doc in bad:
        if name == "descriptor":
            del doc["data_keys"]
    good = as_received(record(bp.scan([det1], motor1, -1, 1, 5)))
    live, builder = model()
    problems = []
    live.on_problem(problems.append)
    live.consume(bad + [["event", "not a dict"], "nonsense", ["start", {"no": "uid"}]] + good)
    assert len(problems) == 4 and "descriptor" in problems[0]
    (figure,) = builder.figures
    assert len(figure.axes[0].artists[0].update()["y"]) == 5


def test_a_listener_that_raises_loses_only_that_run(record):
    class Failing(RunListener):
        calls = 0

        def rows_added(self, run, stream, first):
            self.calls += 1
            if self.calls == 1:
                raise RuntimeError("broken consumer")

    live = LiveData()
    failing = Failing()
    live.subscribe(failing)
    builder = PlotBuilder(live)
    problems = []
    live.on_problem(problems.append)
    first = as_received(record(bp.scan([det1], motor1, -1, 1, 4)), pack=False)
    second = as_received(record(bp.scan([det1], motor1, -1, 1, 4)), pack=False)
    live.consume(first + second)
    assert failing.calls == 1 + 4, "the failing listener is left out of the first run only"
    assert len(problems) == 1 and "broken consumer" in problems[0]
    assert [len(line.update()["y"]) for line in builder.figures[0].axes[0].artists] == [4, 4]


def test_several_runs_in_one_list_are_routed_apart(record):
    a = as_received(record(bp.scan([det1], motor1, -1, 1, 3)))
    b = as_received(record(bp.count([det2], num=4)))
    interleaved = a[:2] + b[:2] + a[2:] + b[2:]
    live, builder = model()
    live.consume(interleaved)
    assert [f.title for f in builder.figures] == ["det1 vs motor1", "det2 vs time (s)"]
    assert len(builder.figures[1].axes[0].artists[0].update()["y"]) == 4


def test_memory_stays_bounded_over_many_runs(record):
    live, builder = model(max_runs=2)
    builder.max_figures = 3
    for n in range(6):
        live.consume(as_received(record(bp.count([det1], num=2 + n))))
        live.consume(as_received(record(bp.scan([det2], motor2, -1, 1, 3))))
    assert len(live.runs) <= live.max_runs
    assert sum(len(axes.artists) for figure in builder.figures for axes in figure.axes) == 4
    builder.figures.remove(builder.figures[0])
    assert len(builder._groups) == len(builder.figures)


def test_documents_of_a_run_sent_again_start_it_over(record):
    documents = as_received(record(bp.scan([det1], motor1, -1, 1, 4)))
    live, builder = model()
    live.consume(documents)
    live.consume(documents)
    uid = documents[0][1]["uid"]
    assert [len(line.update()["y"]) for line in builder.artists_of(uid)] == [4, 4]
    assert len(live.run(uid).streams["primary"]) == 4
