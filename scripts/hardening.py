#!/usr/bin/env python3
"""The full-size hardening scenarios of issue 15, measured by hand (figures in the README,
"Security and limits"). Everything listens and connects on 127.0.0.1 only.

    scripts/hardening.py BIN DB blackhole N NEW   # N subscriptions to a receiver that never answers,
                                                  # then `ingest NEW`; 4 readers for 30 s: p50/p99, threads
    scripts/hardening.py BIN DB idle N MS         # N idle or half-sent connections with --idle-timeout-ms MS:
                                                  # when each is closed, new requests meanwhile

BIN is a marsad binary (target/release/marsad), DB a store (marsad ingest).
"""
import socket, subprocess, threading, time, json, sys, os, urllib.request, statistics
BIN = sys.argv[1]; DB = sys.argv[2]; MODE = sys.argv[3]
import tempfile
tokf = os.path.join(tempfile.mkdtemp(), 'token'); open(tokf, 'w').write('tok\n')

def start(extra):
    p = subprocess.Popen([BIN, 'serve', '--db', DB, '--addr', '127.0.0.1:0', '--token-file', tokf, '--poll-ms', '200'] + extra, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline(); addr = line.split('http://')[1].split('/')[0]
    threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
    return p, addr

def get(addr, path, timeout=60):
    t = time.time()
    with urllib.request.urlopen(f'http://{addr}{path}', timeout=timeout) as r:
        r.read(); assert r.status == 200
    return time.time() - t

def threads(pid):
    for l in open(f'/proc/{pid}/status'):
        if l.startswith('Threads:'): return int(l.split()[1])

def pct(xs, q):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(len(xs) * q))]

if MODE == 'blackhole':
    n = int(sys.argv[4]); newfile = sys.argv[5]  # a file or folder of articles to ingest while the subscriptions wait
    hole = socket.socket(); hole.bind(('127.0.0.1', 0)); hole.listen(4096)
    held = []; conns = [0]
    def acc():
        while True:
            c, _ = hole.accept(); held.append(c); conns[0] += 1
    threading.Thread(target=acc, daemon=True).start()
    hp = hole.getsockname()[1]
    p, addr = start(['--allow-private-webhooks', '--max-subscriptions', str(n)])
    for i in range(n):
        req = urllib.request.Request(f'http://{addr}/api/subscriptions', data=json.dumps({'name': f'h{i}', 'webhook': f'http://127.0.0.1:{hp}/{i}'}).encode(), headers={'Authorization': 'Bearer tok', 'Content-Type': 'application/json'})
        urllib.request.urlopen(req).read()
    base = [get(addr, '/api/events?limit=5') for _ in range(200)]
    subprocess.run([BIN, 'ingest', '--db', DB, newfile], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    time.sleep(1.0)
    lat = []; errors = [0]; maxthreads = [0]
    stop = time.time() + 30
    def reader():
        while time.time() < stop:
            try: lat.append(get(addr, '/api/events?limit=5', 10))
            except Exception: errors[0] += 1
    ts = [threading.Thread(target=reader) for _ in range(4)]
    [t.start() for t in ts]
    while time.time() < stop:
        maxthreads[0] = max(maxthreads[0], threads(p.pid)); time.sleep(0.5)
    [t.join() for t in ts]
    print(json.dumps({'subscriptions': n, 'before_ingest_p50_ms': round(pct(base, .5)*1000, 2), 'before_ingest_p99_ms': round(pct(base, .99)*1000, 2),
        'reads': len(lat), 'errors': errors[0], 'p50_ms': round(pct(lat, .5)*1000, 2), 'p99_ms': round(pct(lat, .99)*1000, 2), 'max_ms': round(max(lat)*1000, 1),
        'server_threads_max': maxthreads[0], 'receiver_connections': conns[0]}))
    p.kill()
elif MODE == 'idle':
    n = int(sys.argv[4]); idle_ms = int(sys.argv[5])
    p, addr = start(['--idle-timeout-ms', str(idle_ms)])
    host, port = addr.split(':')
    socks = []
    t0 = time.time()
    opened_at = {}
    for i in range(n):
        s = socket.socket(); s.connect((host, int(port))); socks.append(s); opened_at[s.fileno()] = time.time()
        if i % 2 == 1: s.send(b'GET /api/stats HTTP/1.1\r\nHost: x\r\n')  # half of them trickle a partial head
    opened = time.time() - t0
    lat = [get(addr, '/api/stats') for _ in range(50)]
    # wait until every socket is closed by the server
    import selectors
    sel = selectors.DefaultSelector()
    for s in socks: s.setblocking(False); sel.register(s, selectors.EVENT_READ)
    closed = 0; last = None; life = []
    deadline = time.time() + idle_ms / 1000 + 30
    while closed < n and time.time() < deadline:
        for key, _ in sel.select(timeout=0.5):
            try: d = key.fileobj.recv(4096)
            except Exception: d = b''
            if not d:
                life.append(time.time() - opened_at[key.fileobj.fileno()]); sel.unregister(key.fileobj); key.fileobj.close(); closed += 1; last = time.time() - t0
    print(json.dumps({'idle_connections': n, 'opened_in_s': round(opened, 2), 'new_request_p50_ms': round(pct(lat, .5)*1000, 2), 'new_request_max_ms': round(max(lat)*1000, 2),
        'closed': closed, 'lifetime_min_s': round(min(life), 2), 'lifetime_max_s': round(max(life), 2), 'all_closed_after_s': round(last, 2) if last else None, 'idle_timeout_s': idle_ms / 1000, 'server_alive': p.poll() is None}))
    p.kill()
