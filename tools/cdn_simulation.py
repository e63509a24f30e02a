"""A simulation of live HLS viewers behind a CDN: how many requests reach the origin.

Simulated time, not wall time: 100,000 viewers for 10 minutes run in seconds. The model:

- The origin (the media server) writes one segment every fragment: segment k is complete at
  k * fragment_s and a playlist fetched at time t lists the segments up to floor(t / fragment_s).
  The origin reads the playlist half a round trip after the edge asks for it.
- Each viewer joins within the first fragment (a flash crowd at the start of an event), reloads the
  playlist every target duration (what hls.js and Safari do for a live playlist), fetches the last
  `start_segments` segments of its first playlist and then each new segment once, as soon as the
  playlist it got lists it.
- Viewers are spread evenly over `edges` edge locations, each with a cache of its own. A cached
  object is served until its TTL runs out; the next request after that goes to the origin. A fetch
  takes `origin_latency_s` (a round trip to the origin); an object is served from the edge once it
  arrives. Regional edge caches and Origin Shield (a second tier that would lower origin load
  further) are not simulated: the figures are an upper bound for one distribution.
- Request collapsing: CloudFront sends one request to the origin for concurrent misses of the same
  object at one edge location and answers all of them with its response. `collapsing=False`
  sends every request that arrives while a fetch is in flight to the origin too.
- Viewers at the same edge that join within the same `resolution_s` are simulated as one group
  (they request the same objects at the same times): this bounds the work by edges * fragment /
  resolution groups, whatever the viewer count. Each group counts as its size in the viewers'
  requests, and without collapsing in the origin's.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter
from dataclasses import dataclass, field

PLAYLIST = "playlist"


@dataclass(frozen=True)
class CdnModel:
    """What the simulation needs to know about the stream, the CDN and the origin."""

    # Length of one HLS fragment, in seconds (the target duration viewers reload the playlist at).
    fragment_s: float
    # Seconds an edge caches the live playlist, and a segment (the TTLs CloudFront applies).
    playlist_ttl_s: float
    segment_ttl_s: float
    # Number of edge locations the viewers are spread over.
    edges: int
    # Seconds from an edge's request to the origin until the object is at the edge.
    origin_latency_s: float = 0.05
    # Whether concurrent misses of one object at one edge make a single origin request.
    collapsing: bool = True
    # Segments a player fetches from its first playlist (it starts this far behind the live edge).
    start_segments: int = 3
    # Viewers of one edge that join within this many seconds are simulated as one group.
    resolution_s: float = 0.01

    def __post_init__(self) -> None:
        checks = {
            "fragment_s": self.fragment_s > 0,
            "playlist_ttl_s": self.playlist_ttl_s >= 0,
            "segment_ttl_s": self.segment_ttl_s >= 0,
            "edges": isinstance(self.edges, int) and self.edges >= 1,
            "origin_latency_s": self.origin_latency_s >= 0,
            "start_segments": self.start_segments >= 1,
            "resolution_s": 0 < self.resolution_s <= self.fragment_s,
        }
        wrong = [name for name, ok in checks.items() if not ok]
        if wrong:
            raise ValueError(
                f"CdnModel: {', '.join(f'{n}={getattr(self, n)!r}' for n in wrong)}; "
                "allowed: fragment_s > 0, TTLs and latency >= 0, edges and start_segments whole numbers "
                ">= 1, 0 < resolution_s <= fragment_s"
            )

    def bound_per_s(self) -> float:
        """Origin requests per second once every edge is busy: a playlist per TTL, a segment per fragment.

        With collapsing, each edge refetches the playlist at most once per TTL plus a round trip
        (the first request after expiry) and fetches each segment once: the origin's load depends
        on the number of edges, not of viewers.
        """
        # Groups of one edge ask at most once per resolution_s, so that bounds a zero TTL too.
        playlist_period = max(self.playlist_ttl_s + self.origin_latency_s, self.resolution_s)
        return self.edges * (1 / playlist_period + 1 / self.fragment_s)


@dataclass
class CdnResult:
    """What reached the origin, and what the viewers asked for, over the simulated duration."""

    viewers: int
    duration_s: float
    viewer_requests: int = 0
    origin_playlist: int = 0
    origin_segment: int = 0
    # Origin requests per whole second of simulated time, for the peak.
    origin_by_second: Counter = field(default_factory=Counter)

    @property
    def origin_requests(self) -> int:
        return self.origin_playlist + self.origin_segment

    @property
    def origin_per_s(self) -> float:
        return self.origin_requests / self.duration_s

    @property
    def peak_origin_per_s(self) -> int:
        return max(self.origin_by_second.values(), default=0)

    @property
    def hit_ratio(self) -> float:
        """Share of viewers' requests answered without a request of their own to the origin."""
        return 1 - self.origin_requests / self.viewer_requests if self.viewer_requests else 0.0


@dataclass
class _Entry:
    ready_at: float
    expires_at: float
    value: int | None


class EdgeCache:
    """One edge location's cache: objects with an expiry, and the fetch in flight for each."""

    def __init__(self, latency_s: float, collapsing: bool) -> None:
        self.latency_s = latency_s
        self.collapsing = collapsing
        self.entries: dict[object, _Entry] = {}

    def get(self, key: object, now: float, weight: int, ttl_s: float, origin) -> tuple[float, object, int]:
        """`weight` identical requests for `key` at `now`: (when answered, the value, origin requests).

        `origin(t)` is the object's value as the origin reads it at time t.
        """
        entry = self.entries.get(key)
        if entry is not None and entry.ready_at <= now < entry.expires_at:
            return now, entry.value, 0
        if entry is not None and now < entry.ready_at:
            if self.collapsing:
                return entry.ready_at, entry.value, 0
            # Not collapsed: each request goes to the origin on its own, and its answer is its own.
            return now + self.latency_s, origin(now + self.latency_s / 2), weight
        value = origin(now + self.latency_s / 2)
        ready = now + self.latency_s
        self.entries[key] = _Entry(ready_at=ready, expires_at=ready + ttl_s, value=value)
        return ready, value, 1 if self.collapsing else weight


def viewer_groups(viewers: int, model: CdnModel, seed: int = 0) -> list[tuple[float, int, int]]:
    """(first playlist request time, edge, viewers) per group, sorted by time.

    Viewer i watches through edge i mod edges and joins at a random moment of the first fragment.
    """
    rng = random.Random(seed)
    slots = max(1, round(model.fragment_s / model.resolution_s))
    groups: Counter = Counter()
    for i in range(viewers):
        groups[(min(int(rng.random() * slots), slots - 1) * model.resolution_s, i % model.edges)] += 1
    return sorted((phase, edge, weight) for (phase, edge), weight in groups.items())


def simulate(viewers: int, duration_s: float, model: CdnModel, seed: int = 0) -> CdnResult:
    """Run `viewers` viewers for `duration_s` seconds of simulated time through the edges."""
    if viewers < 1 or duration_s <= 0:
        raise ValueError(f"viewers={viewers}, duration_s={duration_s}: allowed: viewers >= 1, duration_s > 0")
    fragment = model.fragment_s
    result = CdnResult(viewers=viewers, duration_s=duration_s)
    caches = [EdgeCache(model.origin_latency_s, model.collapsing) for _ in range(model.edges)]
    groups = viewer_groups(viewers, model, seed)
    last_seen: list[int | None] = [None] * len(groups)

    def latest_segment(t: float) -> int:
        return math.floor(t / fragment)

    def count_origin(t: float, n: int) -> None:
        if n:
            result.origin_by_second[int(t)] += n

    def segment_request(t: float, group: int, k: int) -> None:
        _, edge, weight = groups[group]
        result.viewer_requests += weight
        _, _, origin = caches[edge].get(k, t, weight, model.segment_ttl_s, lambda _t: None)
        result.origin_segment += origin
        count_origin(t, origin)

    # Segment requests answered later than they were made (a miss, or a fetch in flight) wait here,
    # in time order, and run before any playlist request that comes after them.
    pending: list[tuple[float, int, int, int]] = []
    sequence = 0

    def run_pending(until: float) -> None:
        while pending and pending[0][0] <= until:
            t, _, group, k = heapq.heappop(pending)
            segment_request(t, group, k)

    # Every group reloads its playlist once per fragment at the same phase: looping over the
    # fragments, then over the groups in phase order, visits the requests in time order.
    for cycle in range(math.ceil(duration_s / fragment)):
        for index, (phase, edge, weight) in enumerate(groups):
            now = phase + cycle * fragment
            if now >= duration_s:
                continue
            run_pending(now)
            result.viewer_requests += weight
            answered, latest, origin = caches[edge].get(
                PLAYLIST, now, weight, model.playlist_ttl_s, latest_segment
            )
            result.origin_playlist += origin
            count_origin(now, origin)
            seen = last_seen[index]
            first = latest - model.start_segments + 1 if seen is None else seen + 1
            last_seen[index] = latest if seen is None else max(seen, latest)
            for k in range(first, latest + 1):
                if answered <= now:
                    segment_request(now, index, k)
                else:
                    sequence += 1
                    heapq.heappush(pending, (answered, sequence, index, k))
    run_pending(duration_s)
    return result
