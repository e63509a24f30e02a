"""tools/cdn_simulation.py and the pure parts of tools/bench_webcast.py: cache accounting with known
TTLs gives known origin rates, the TTLs come from the roles, wrk's summary and the viewer capacity."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tools import bench_webcast
from tools.cdn_simulation import CdnModel, EdgeCache, simulate, viewer_groups

ROOT = Path(__file__).resolve().parents[2]
YEAR = 31536000


def model(**overrides) -> CdnModel:
    values = {
        "fragment_s": 2,
        "playlist_ttl_s": 1,
        "segment_ttl_s": YEAR,
        "edges": 1,
        "origin_latency_s": 0.0,
    }
    return CdnModel(**{**values, **overrides})


# --- one edge's cache ---------------------------------------------------------------------------


def test_an_object_is_served_from_the_edge_until_its_ttl_runs_out_then_fetched_again():
    cache = EdgeCache(latency_s=0.0, collapsing=True)
    asked = []

    def origin(t):
        asked.append(t)
        return len(asked)

    answers = [cache.get("p", t, 1, 1.0, origin) for t in (0.0, 0.5, 0.99, 1.0, 1.5, 2.2)]
    assert [(value, n) for _, value, n in answers] == [(1, 1), (1, 0), (1, 0), (2, 1), (2, 0), (3, 1)]
    assert asked == [0.0, 1.0, 2.2]


def test_concurrent_misses_make_one_origin_request_with_collapsing_and_one_each_without():
    # Times that binary floats hold exactly; the origin's value is the time it reads the object.
    collapsing = EdgeCache(latency_s=0.25, collapsing=True)
    plain = EdgeCache(latency_s=0.25, collapsing=False)
    origin = lambda t: t  # noqa: E731
    with_collapsing = [collapsing.get("p", t, 5, 1.0, origin) for t in (0.0, 0.125)]
    without = [plain.get("p", t, 5, 1.0, origin) for t in (0.0, 0.125)]
    # The second request waits for the first one's answer (at 0.25), or goes to the origin itself.
    assert with_collapsing == [(0.25, 0.125, 1), (0.25, 0.125, 0)]
    assert without == [(0.25, 0.125, 5), (0.375, 0.25, 5)]


# --- the simulation -----------------------------------------------------------------------------


def test_one_viewer_through_one_edge_fetches_a_playlist_and_a_segment_per_fragment_from_the_origin():
    # A playlist TTL (1 s) shorter than the reload period (2 s): every reload misses.
    result = simulate(1, 600, model())
    assert result.origin_playlist == 300
    # Each new segment once, and the three a player starts with.
    assert result.origin_segment == 300 + 2
    assert result.viewer_requests == result.origin_requests


def test_many_viewers_of_one_edge_cost_the_origin_one_playlist_per_ttl_and_each_segment_once():
    result = simulate(2_000, 600, model())
    # A miss at the first request after expiry: about once a second, a little less (the gap to it).
    assert 570 <= result.origin_playlist <= 600, result.origin_playlist
    assert result.origin_segment == 302
    assert result.viewer_requests > 100 * result.origin_requests


def test_the_origin_rate_follows_the_playlist_ttl():
    short = simulate(1_000, 240, model(playlist_ttl_s=1, fragment_s=4))
    long = simulate(1_000, 240, model(playlist_ttl_s=2, fragment_s=4))
    # Twice the TTL, half the playlist requests (within the gap after each expiry).
    assert 1.9 <= short.origin_playlist / long.origin_playlist <= 2.1, (
        short.origin_playlist,
        long.origin_playlist,
    )


def test_every_edge_has_a_cache_of_its_own():
    one = simulate(2_000, 120, model(edges=1))
    four = simulate(2_000, 120, model(edges=4))
    assert four.origin_segment == 4 * one.origin_segment
    assert 3.9 <= four.origin_playlist / one.origin_playlist <= 4.1


def test_origin_load_does_not_grow_with_viewers_once_every_edge_is_busy():
    # Coarse groups keep it cheap: at most 3 edges x 100 phases, whatever the viewer count.
    m = model(edges=3, origin_latency_s=0.05, resolution_s=0.02)
    rates = [simulate(n, 120, m).origin_per_s for n in (3_000, 30_000)]
    assert rates[1] == pytest.approx(rates[0], rel=0.01)
    assert rates[1] <= m.bound_per_s() * 1.01


def test_without_collapsing_a_crowd_of_viewers_multiplies_origin_requests():
    m = model(origin_latency_s=0.1)
    collapsed = simulate(20_000, 120, m)
    herd = simulate(20_000, 120, model(origin_latency_s=0.1, collapsing=False))
    assert herd.origin_requests > 20 * collapsed.origin_requests


def test_segments_expire_with_their_ttl():
    # A segment TTL shorter than the time viewers keep asking for it cannot be seen with one fetch per
    # segment: with a 1 s segment TTL and late joiners nothing changes, so check that a segment
    # requested again after its TTL misses again.
    cache = EdgeCache(latency_s=0.0, collapsing=True)
    none = lambda t: None  # noqa: E731
    assert [cache.get(7, t, 1, 1.0, none)[2] for t in (0.0, 0.5, 1.0)] == [1, 0, 1]


def test_viewers_are_spread_evenly_over_the_edges_and_grouped_without_losing_any():
    groups = viewer_groups(10_001, model(edges=4, resolution_s=0.01))
    per_edge = [sum(w for _, e, w in groups if e == edge) for edge in range(4)]
    assert sum(per_edge) == 10_001 and max(per_edge) - min(per_edge) <= 1
    assert len(groups) <= 4 * 200 and all(0 <= phase < 2 for phase, _, _ in groups)


def test_a_model_with_bad_values_says_which_and_what_is_allowed():
    with pytest.raises(ValueError, match=r"edges=0.*allowed"):
        model(edges=0)


# --- settings from the roles --------------------------------------------------------------------


def test_ttls_come_from_the_roles_and_the_inventory(tmp_path):
    settings = bench_webcast.load_settings(ROOT, "local")
    assert settings.fragment_s == 2
    assert (settings.playlist_ttl_s, settings.segment_ttl_s) == (1, YEAR)

    # A copy of the roles with a 6 s fragment: the playlist's TTL follows (half a fragment).
    for part in ("roles/media_server", "roles/aws_cloudfront"):
        shutil.copytree(ROOT / part, tmp_path / part)
    group_vars = tmp_path / "inventories/other/group_vars/all"
    group_vars.mkdir(parents=True)
    (group_vars / "main.yml").write_text("webcast_hls_fragment_s: 6\n")
    other = bench_webcast.load_settings(tmp_path, "other")
    assert (other.fragment_s, other.origin_playlist_max_age_s, other.playlist_ttl_s) == (6, 3, 3)


def test_cloudfront_takes_the_origins_max_age_within_its_bounds_and_the_default_without_one():
    ttl = bench_webcast.cloudfront_ttl
    assert [ttl(1, 0, 1, 1), ttl(30, 0, 1, 1), ttl(YEAR, 0, 86400, YEAR), ttl(None, 0, 86400, YEAR)] == [
        1,
        1,
        YEAR,
        86400,
    ]
    assert ttl(0, 5, 10, 20) == 5


# --- wrk and the capacity figure ----------------------------------------------------------------

WRK_OUTPUT = """Running 3s test @ http://127.0.0.1/hls/bench-15.ts
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   353.39ms   71.02ms 514.31ms   71.04%
    Req/Sec    89.29     25.80   140.00     69.23%
  271 requests in 3.04s, 222.77MB read
Requests/sec:     89.14
Transfer/sec:     73.28MB
"""


def test_wrk_summary_gives_requests_and_bytes_per_second():
    result = bench_webcast.parse_wrk(WRK_OUTPUT)
    assert (result.requests_per_s, result.requests) == (89.14, 271)
    assert result.bytes_per_s == pytest.approx(73.28 * 1024**2)


def test_wrk_answers_that_are_not_2xx_fail_the_measurement():
    with pytest.raises(RuntimeError, match="3455 answers"):
        bench_webcast.parse_wrk(WRK_OUTPUT + "  Non-2xx or 3xx responses: 3455\n")


def test_viewers_per_instance_is_what_the_slower_of_both_request_rates_allows():
    # 2 s fragments: each viewer asks 0.5 playlists and 0.5 segments a second.
    assert bench_webcast.viewers_per_instance(1000, 1000, 2) == pytest.approx(1000)
    assert bench_webcast.viewers_per_instance(10_000, 100, 2) == pytest.approx(2 / (1 / 10_000 + 1 / 100))


def test_a_live_playlist_names_its_segments_from_the_media_sequence_on():
    text = bench_webcast.playlist_text(7, 3, 2)
    assert text.splitlines()[:4] == [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-MEDIA-SEQUENCE:7",
        "#EXT-X-TARGETDURATION:2",
    ]
    assert [line for line in text.splitlines() if line.endswith(".ts")] == [
        "bench-7.ts",
        "bench-8.ts",
        "bench-9.ts",
    ]


def test_bad_viewer_counts_are_refused_naming_what_is_allowed():
    with pytest.raises(SystemExit):
        bench_webcast.main(["--viewers", "10,-5", "--skip-origin"])
