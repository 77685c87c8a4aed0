#!/usr/bin/env python3
"""Independent state count of the dining philosophers (tcpv classic `philosophers`).

Specification (written from the task, not from the C++):

N philosophers around a table, N forks. Philosopher i's left fork is fork i, the right fork
is fork (i + 1) mod N. Each philosopher is thinking (holds nothing), holding its first fork,
or eating (holds both forks). Initially everyone thinks and every fork is on the table.
naive: everyone's first fork is the left one. ordered: the same, except that philosopher
N - 1 takes its right fork first (this breaks the cycle of waiting).

Enabled steps, for i = 0 .. N-1 in this order (at most one per philosopher):
- thinking, first fork on the table: take it.
- holding the first fork, second fork on the table: take it and eat.
- eating: put both forks down and think.

Prints states, transitions (every enabled step of every reachable state), BFS depth,
deadlocks, whether two neighbours ever eat at once, whether every philosopher eats in some
reachable state, and the shortest path to a deadlock found by a breadth-first search that
expands states in discovery order and steps in the order above.
"""
from collections import deque
import sys

THINK, FIRST, EAT = 0, 1, 2


def forks(n, ordered, i):
    left, right = i, (i + 1) % n
    return (right, left) if ordered and i == n - 1 else (left, right)


def held(n, ordered, phases):
    taken = set()
    for i, p in enumerate(phases):
        first, second = forks(n, ordered, i)
        if p >= FIRST: taken.add(first)
        if p == EAT: taken.add(second)
    return taken


def successors(n, ordered, phases):
    taken = held(n, ordered, phases)
    out = []
    for i, p in enumerate(phases):
        first, second = forks(n, ordered, i)
        nxt = None
        if p == THINK and first not in taken: nxt = FIRST
        elif p == FIRST and second not in taken: nxt = EAT
        elif p == EAT: nxt = THINK
        if nxt is not None:
            out.append((f"p{i}", phases[:i] + (nxt,) + phases[i + 1:]))
    return out


def explore(n, ordered):
    init = (THINK,) * n
    parent = {init: None}
    dist = {init: 0}
    queue = deque([init])
    transitions, deadlocks, first_deadlock = 0, [], None
    neighbours_eat, eaters = False, set()
    while queue:
        s = queue.popleft()
        for i in range(n):
            if s[i] == EAT:
                eaters.add(i)
                if s[(i + 1) % n] == EAT: neighbours_eat = True
        succ = successors(n, ordered, s)
        transitions += len(succ)
        if not succ:
            deadlocks.append(s)
            if first_deadlock is None: first_deadlock = s
        for a, t in succ:
            if t not in dist:
                dist[t] = dist[s] + 1
                parent[t] = (a, s)
                queue.append(t)
    path = []
    s = first_deadlock
    while s is not None and parent[s] is not None:
        path.append(parent[s][0])
        s = parent[s][1]
    return (len(dist), transitions, max(dist.values()), len(deadlocks), neighbours_eat,
            len(eaters) == n, list(reversed(path)))


if __name__ == "__main__":
    ns = [int(a) for a in sys.argv[1:]] or [2, 3, 4, 5, 6]
    for variant in ("ordered", "naive"):
        for n in ns:
            st, tr, d, dl, nb, all_eat, path = explore(n, variant == "ordered")
            print(f"{variant} n={n}: states={st} transitions={tr} depth={d} deadlocks={dl} "
                  f"neighbours_eat={nb} all_eat={all_eat} shortest_deadlock={' '.join(path) or '-'}")
