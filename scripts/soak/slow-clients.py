#!/usr/bin/env python3
"""Slow clients for scripts/soak.sh (slowloris): N connections that each send the start of a
request head and then one more byte every INTERVAL seconds, never finishing it. When the
server closes one (its header timeout), it reconnects, so about N stay open for HOLD seconds.

  slow-clients.py --port P [--count 500] [--hold 60] [--interval 2] [--ramp 2] [--samples FILE]

Writes one line per second to FILE ("seconds,open,opened,closed_by_server"), and at the end
a JSON summary to stdout: peak of connections open at once, connections opened, how many the
server closed (and after how long: its header timeout), what it answered before closing (if
anything), connect errors.
"""

import argparse
import asyncio
import json
import statistics
import sys
import time


class Stats:
    def __init__(self):
        self.open = 0
        self.peak = 0
        self.peak_at = None
        self.opened = 0
        self.connect_errors = 0
        self.connect_error_kinds = {}
        self.closed_by_server = 0
        self.reset_by_server = 0
        self.lifetimes = []
        self.answers = {}
        self.bytes_sent = 0


async def client(i, args, end, t_start, st):
    # Spread the first connects over the ramp (a burst of 500 SYNs at once is not the point).
    await asyncio.sleep(args.ramp * i / max(args.count, 1))
    while time.monotonic() < end:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(args.host, args.port), timeout=10
            )
        except (OSError, asyncio.TimeoutError) as e:
            st.connect_errors += 1
            k = type(e).__name__
            st.connect_error_kinds[k] = st.connect_error_kinds.get(k, 0) + 1
            await asyncio.sleep(1)
            continue
        st.opened += 1
        st.open += 1
        if st.open > st.peak:
            st.peak = st.open
            st.peak_at = round(time.monotonic() - t_start, 1)
        t0 = time.monotonic()
        by_server = False
        try:
            head = f"GET /projekte HTTP/1.1\r\nHost: {args.host}\r\nUser-Agent: soak-slow/{i}\r\nX-Langsam: "
            writer.write(head.encode())
            st.bytes_sent += len(head)
            await writer.drain()
            while time.monotonic() < end:
                try:
                    data = await asyncio.wait_for(
                        reader.read(4096), timeout=min(args.interval, max(end - time.monotonic(), 0.01))
                    )
                except asyncio.TimeoutError:
                    writer.write(b"a")
                    st.bytes_sent += 1
                    await writer.drain()
                    continue
                if data:
                    first = data.split(b"\r\n", 1)[0].decode("latin-1")[:60]
                    st.answers[first] = st.answers.get(first, 0) + 1
                    # Read what follows until the server closes.
                    try:
                        while await asyncio.wait_for(reader.read(4096), timeout=5):
                            pass
                    except asyncio.TimeoutError:
                        pass
                by_server = True
                break
        except (ConnectionResetError, BrokenPipeError):
            by_server = True
            st.reset_by_server += 1
        finally:
            st.open -= 1
            if by_server:
                st.closed_by_server += 1
                st.lifetimes.append(time.monotonic() - t0)
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass


async def sampler(args, end, t_start, st):
    f = open(args.samples, "w") if args.samples else None
    if f:
        f.write("seconds,open,opened,closed_by_server\n")
    while time.monotonic() < end:
        await asyncio.sleep(1)
        line = f"{time.monotonic() - t_start:.0f},{st.open},{st.opened},{st.closed_by_server}"
        if f:
            f.write(line + "\n")
            f.flush()
        if args.verbose:
            print(line, file=sys.stderr)
    if f:
        f.close()


async def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--count", type=int, default=500)
    p.add_argument("--hold", type=float, default=60)
    p.add_argument("--interval", type=float, default=2)
    p.add_argument("--ramp", type=float, default=2)
    p.add_argument("--samples")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()
    st = Stats()
    t_start = time.monotonic()
    end = t_start + args.hold
    await asyncio.gather(
        sampler(args, end, t_start, st),
        *(client(i, args, end, t_start, st) for i in range(args.count)),
    )
    lt = st.lifetimes
    print(
        json.dumps(
            {
                "count": args.count,
                "hold_s": args.hold,
                "interval_s": args.interval,
                "peak_open": st.peak,
                "peak_at_s": st.peak_at,
                "opened": st.opened,
                "connect_errors": st.connect_errors,
                "connect_error_kinds": st.connect_error_kinds,
                "closed_by_server": st.closed_by_server,
                "reset_by_server": st.reset_by_server,
                "lifetime_median_s": round(statistics.median(lt), 1) if lt else None,
                "lifetime_min_s": round(min(lt), 1) if lt else None,
                "lifetime_max_s": round(max(lt), 1) if lt else None,
                "answers_before_close": st.answers,
                "bytes_sent": st.bytes_sent,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
