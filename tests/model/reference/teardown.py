#!/usr/bin/env python3
"""Independent enumeration of the frozen `teardown` benchmark model (shared/bench/teardown.md),
written from the specification text, not from the C++ model. Prints distinct states,
transitions and whether no-reset-after-graceful-close holds (with the BFS depth of the first
violation), for the parameter sets given on the command line:

    teardown.py CAP MSL RTO MAXRETX TW [CAP MSL RTO MAXRETX TW ...]

State: per endpoint (st, timer, retx, err); per channel a multiset of (kind, age), held here as
a sorted tuple. Transition counting: each enabled close(i); one lose and one deliver per
distinct (kind, age) in channel i; the tick (always). Every transition counts.
"""
import sys
from collections import deque

EST, FW1, FW2, CLOSING, TW_, CW, LA, CLOSED = range(8)
NONE, RST, GIVEUP = range(3)
F, FA, A, R = "F", "FA", "A", "R"


def explore(cap, msl, rto, maxretx, tw):
    def send(ch, kind):
        return tuple(sorted(ch + ((kind, 0),))) if len(ch) < cap else ch

    def settle(ep):  # CLOSED, FIN_WAIT_2, CLOSE_WAIT have timer 0 and retx 0
        st, timer, retx, err = ep
        return (st, 0, 0, err) if st in (CLOSED, FW2, CW) else ep

    def time_wait(ep):
        st, timer, retx, err = ep
        return settle((CLOSED, 0, 0, err)) if tw == 0 else (TW_, tw, 0, err)

    def deliver(eps, chans, j, kind):
        eps, chans = list(eps), list(chans)
        st, timer, retx, err = eps[j]
        if st == CLOSED:
            if kind != R:
                chans[j] = send(chans[j], R)
            return tuple(eps), tuple(chans)
        if kind == R:
            eps[j] = settle((CLOSED, timer, retx, err if st == TW_ else RST))
            return tuple(eps), tuple(chans)
        if kind == A:
            if st == FW1:
                eps[j] = settle((FW2, timer, retx, err))
            elif st == CLOSING:
                eps[j] = time_wait(eps[j])
            elif st == LA:
                eps[j] = settle((CLOSED, timer, retx, err))
            return tuple(eps), tuple(chans)
        answer = True
        if st == EST:
            eps[j] = settle((CW, timer, retx, err))
        elif st == FW1:
            eps[j] = time_wait(eps[j]) if kind == FA else (CLOSING, timer, retx, err)
        elif st == FW2:
            eps[j] = time_wait(eps[j])
        elif st == CLOSING:
            if kind == FA:
                eps[j] = time_wait(eps[j])
        elif st == TW_:
            eps[j] = time_wait(eps[j])
        elif st == LA:
            if kind == FA:
                eps[j] = settle((CLOSED, timer, retx, err))
                answer = False
        if answer:
            chans[j] = send(chans[j], A)
        return tuple(eps), tuple(chans)

    def successors(s):
        eps, chans = s
        out = []
        for i in (0, 1):
            st, timer, retx, err = eps[i]
            if st in (EST, CW):
                e2, c2 = list(eps), list(chans)
                e2[i] = (FW1 if st == EST else LA, rto, 0, err)
                c2[i] = send(chans[i], F if st == EST else FA)
                out.append((tuple(e2), tuple(c2)))
        for i in (0, 1):
            for seg in sorted(set(chans[i])):
                rest = list(chans[i])
                rest.remove(seg)
                c2 = list(chans)
                c2[i] = tuple(rest)
                out.append((eps, tuple(c2)))  # lose
                out.append(deliver(eps, tuple(c2), 1 - i, seg[0]))
        # tick
        chans2 = [tuple(sorted((k, a + 1) for (k, a) in ch if a + 1 <= msl)) for ch in chans]
        eps2 = list(eps)
        for i in (0, 1):
            st, timer, retx, err = eps2[i]
            if timer > 0:
                timer -= 1
                if timer == 0:
                    if st == TW_:
                        eps2[i] = settle((CLOSED, 0, retx, err))
                        continue
                    if retx < maxretx:
                        chans2[i] = send(chans2[i], F if st == FW1 else FA)
                        eps2[i] = (st, rto, retx + 1, err)
                    else:
                        eps2[i] = settle((CLOSED, 0, retx, GIVEUP))
                    continue
                eps2[i] = (st, timer, retx, err)
        out.append((tuple(eps2), tuple(chans2)))
        return out

    def bad(s):
        eps, _ = s
        return any(eps[i][3] == RST and eps[1 - i][3] != GIVEUP for i in (0, 1))

    init = (((EST, 0, 0, NONE), (EST, 0, 0, NONE)), ((), ()))
    depth = {init: 0}
    queue = deque([init])
    transitions = 0
    first_bad = None
    while queue:
        s = queue.popleft()
        if bad(s) and (first_bad is None or depth[s] < first_bad):
            first_bad = depth[s]
        for t in successors(s):
            transitions += 1
            if t not in depth:
                depth[t] = depth[s] + 1
                queue.append(t)
    return len(depth), transitions, first_bad


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    for k in range(0, len(args), 5):
        cap, msl, rto, maxretx, tw = args[k:k + 5]
        states, transitions, first_bad = explore(cap, msl, rto, maxretx, tw)
        verdict = "holds" if first_bad is None else "violated at depth %d" % first_bad
        print("CAP=%d MSL=%d RTO=%d MAXRETX=%d TW=%d: %d states, %d transitions, %s"
              % (cap, msl, rto, maxretx, tw, states, transitions, verdict))
