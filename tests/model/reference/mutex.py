#!/usr/bin/env python3
"""Independent state count of the two-process mutual-exclusion models (tcpv classic `mutex`).

Specification (written from the task, not from the C++):

Two processes i = 0, 1; j is the other one. Initially every pc, flag and turn is 0.
Transitions are counted as the checker does: every (action, successor) pair that a state
emits counts, duplicates into known states and self-loops included; initial states are not
transitions.

naive: pc in {0 check, 1 set, 2 critical}.
  pc 0: if flag[j] == 0, go to pc 1 (otherwise the step is not enabled).
  pc 1: flag[i] = 1, go to pc 2 (critical section).
  pc 2: flag[i] = 0, go to pc 0.

peterson: pc in {0 idle, 1 flag set, 2 waiting, 3 critical}.
  pc 0: "think": stay (a self-loop: a process may stay out of the critical section forever);
        "want": flag[i] = 1, go to pc 1.
  pc 1: turn = j, go to pc 2.
  pc 2: if flag[j] == 0 or turn == i, go to pc 3 (otherwise not enabled: an await).
  pc 3: flag[i] = 0, go to pc 0.

Prints, per variant: states, transitions, BFS depth (the largest distance from the initial
state), whether both processes are ever critical at once, and the number of deadlocks.
"""
from collections import deque


def successors(variant, s):
    pc, flag, turn = s
    out = []
    for i in (0, 1):
        j = 1 - i

        def put(npc, nflag=None, nturn=None):
            p = list(pc); p[i] = npc
            f = list(flag)
            if nflag is not None:
                f[i] = nflag
            out.append((tuple(p), tuple(f), turn if nturn is None else nturn))

        if variant == "naive":
            if pc[i] == 0 and flag[j] == 0: put(1)
            elif pc[i] == 1: put(2, nflag=1)
            elif pc[i] == 2: put(0, nflag=0)
        else:
            if pc[i] == 0:
                put(0)              # think
                put(1, nflag=1)     # want
            elif pc[i] == 1: put(2, nturn=j)
            elif pc[i] == 2:
                if flag[j] == 0 or turn == i: put(3)
            elif pc[i] == 3: put(0, nflag=0)
    return out


def explore(variant):
    init = ((0, 0), (0, 0), 0)
    dist = {init: 0}
    queue = deque([init])
    transitions = deadlocks = 0
    both_critical = False
    crit = 2 if variant == "naive" else 3
    while queue:
        s = queue.popleft()
        if s[0] == (crit, crit):
            both_critical = True
        succ = successors(variant, s)
        transitions += len(succ)
        deadlocks += not succ
        for t in succ:
            if t not in dist:
                dist[t] = dist[s] + 1
                queue.append(t)
    return len(dist), transitions, max(dist.values()), both_critical, deadlocks


if __name__ == "__main__":
    for v in ("naive", "peterson"):
        n, t, d, bad, dl = explore(v)
        print(f"{v}: states={n} transitions={t} depth={d} both_critical={bad} deadlocks={dl}")
