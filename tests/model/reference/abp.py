#!/usr/bin/env python3
"""Independent state count of the alternating-bit protocol (tcpv classic `abp`).

Specification (written from the task, not from the C++):

Parameters: CAP (capacity of each channel), MSGS (messages 0..MSGS-1 to transfer), SEQBITS
(1: packets and acks carry the alternating bit and it is checked; 0: the bit is always 0 and
ignored, so a retransmitted packet is accepted as new).

State: sender (next: the message being sent, 0..MSGS; sbit), receiver (expected: how many
messages were delivered in order; rbit; misdelivered: a delivery that was not `expected`
happened), data channel (FIFO of packets (bit, message), at most CAP), ack channel (FIFO of
bits, at most CAP). Initially all 0 and both channels empty.

Enabled steps of a state, in this order (each is one transition):
1. send (timeout): if next < MSGS and the data channel is not full, append (sbit, next).
   The sender may retransmit at any time (the timeout is nondeterministic).
2. deliver-ack: if the ack channel is not empty, remove its head a. If next < MSGS and
   (SEQBITS == 0 or a == sbit): next += 1 and, when SEQBITS, sbit flips. Otherwise the ack is
   stale and ignored.
3. deliver-data: if the data channel is not empty, remove its head (b, m). If SEQBITS == 0 or
   b == rbit it is new: it is delivered (if not misdelivered and m == expected, expected += 1;
   otherwise misdelivered = 1) and, when SEQBITS, rbit flips. Either way the receiver acks b
   (0 when SEQBITS == 0): append b to the ack channel if it is not full, otherwise the ack is
   dropped.
4. lose-data k for every position k of the data channel: remove that packet.
5. lose-ack k for every position k of the ack channel: remove that ack.

Prints, for several parameter sets: states, transitions, BFS depth, the number of deadlocks
that are not end states (end: next == MSGS and expected == MSGS) and the length of the
shortest path to one, and the length of the shortest path to an out-of-order delivery.
"""
from collections import deque
import sys


def successors(CAP, MSGS, SEQBITS, s):
    nxt, sbit, exp, rbit, bad, data, ack = s
    out = []
    if nxt < MSGS and len(data) < CAP:
        out.append(("send", (nxt, sbit, exp, rbit, bad, data + ((sbit if SEQBITS else 0, nxt),), ack)))
    if ack:
        a, rest = ack[0], ack[1:]
        if nxt < MSGS and (SEQBITS == 0 or a == sbit):
            out.append(("deliver-ack", (nxt + 1, sbit ^ SEQBITS, exp, rbit, bad, data, rest)))
        else:
            out.append(("deliver-ack", (nxt, sbit, exp, rbit, bad, data, rest)))
    if data:
        (b, m), rest = data[0], data[1:]
        e, r, x = exp, rbit, bad
        if SEQBITS == 0 or b == rbit:
            if not bad and m == exp:
                e = exp + 1
            else:
                x = 1
            r = rbit ^ SEQBITS
        a = b if SEQBITS else 0
        nack = ack + (a,) if len(ack) < CAP else ack
        out.append(("deliver-data", (nxt, sbit, e, r, x, rest, nack)))
    for k in range(len(data)):
        out.append(("lose-data", (nxt, sbit, exp, rbit, bad, data[:k] + data[k + 1:], ack)))
    for k in range(len(ack)):
        out.append(("lose-ack", (nxt, sbit, exp, rbit, bad, data, ack[:k] + ack[k + 1:])))
    return out


def explore(CAP, MSGS, SEQBITS):
    init = (0, 0, 0, 0, 0, (), ())
    dist = {init: 0}
    queue = deque([init])
    transitions = stuck = 0
    first_bad = first_stuck = None
    while queue:
        s = queue.popleft()
        if s[4] and first_bad is None:
            first_bad = dist[s]
        succ = successors(CAP, MSGS, SEQBITS, s)
        transitions += len(succ)
        if not succ and not (s[0] == MSGS and s[2] == MSGS):
            stuck += 1
            if first_stuck is None:
                first_stuck = dist[s]
        for _, t in succ:
            if t not in dist:
                dist[t] = dist[s] + 1
                queue.append(t)
    return len(dist), transitions, max(dist.values()), stuck, first_bad, first_stuck


if __name__ == "__main__":
    configs = [(c, m, b) for b in (1, 0) for c in (1, 2, 3) for m in (1, 2, 3, 4)]
    if len(sys.argv) == 4:
        configs = [tuple(int(a) for a in sys.argv[1:])]
    for cap, msgs, seqbits in configs:
        n, t, d, stuck, bad, first_stuck = explore(cap, msgs, seqbits)
        print(f"cap={cap} msgs={msgs} seqbits={seqbits}: states={n} transitions={t} depth={d} "
              f"bad_deadlocks={stuck} shortest_bad_deadlock={first_stuck} shortest_misdelivery={bad}")
