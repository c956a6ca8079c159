/** The load tool's --help text: every option, its default and how to read the output. */
export const HELP = `rgchat bench: a load tool for any rg-chat-v1 WebSocket server.

Usage: node packages/bench/dist/cli.js [options]        (or: pnpm bench [options])

Target
  --url <ws-url>              server to drive (default ws://127.0.0.1:8080/)
  --also-url <ws-url>         a second instance sharing the first's database: every other
                              client connects there, so rooms span both (fanout mode)
  --also-server-pid <pid>     the second instance's pid: server CPU and RSS are the sum of both
  --origin <origin>           Origin header to send (for servers with ALLOWED_ORIGINS)
  --server-pid <pid|auto>     watch this server process: RSS and CPU from /proc (Linux);
                              'auto' = the process listening on the URL's port.
                              Gives server CPU time per delivered message, the main yardstick.
  --server-metrics <url|auto> the server's Prometheus endpoint ('auto' = /metrics on --url's
                              port): its event-loop delay (monitorEventLoopDelay) and GC
                              pauses over the window (fanout and join modes)

Mode (--mode)
  fanout       (default) N connections in R rooms, S senders per room at M msg/s each.
  idle         open N connections, hello, join rooms, hold --idle-seconds, report the
               server's RSS growth per connection (needs --server-pid).
  join         pre-fill a room with --history messages, then joiners repeatedly send
               join_room and time joined_room; optional background fan-out load.
  slow-reader  two fan-out phases of --duration each: without, then with one member of
               room 0 that stops reading its socket; reports the others' p99 in both and
               whether the server closed the slow one.
  presence     issue #12: --connections members fill one room (join by join), then --typists
               type for --duration s, then everyone but one leaves; per phase: presence and
               typing frames and bytes per member, server CPU, and (with --bus-url) bus
               events per second by kind. Run it with --features "" for the same scenario
               with plain rg-chat-v1 clients.
  abuse        issue #10: one honest client pings every --ping-interval-ms, calm for --warmup
               s, then for --duration s while --attack runs; reports its ping p50/p99/max,
               unanswered pings, the server's RSS and CPU, and whether it is still up.
               Run the server with its real per-connection limits, per-address ones
               lifted (RATE_LIMIT_PER_IP_*, MAX_CONNECTIONS_PER_IP): all clients are one address.

Load
  --connections <n>           connections, spread round-robin over the rooms (default 200)
  --rooms <n>                 rooms (default 10); members per room = connections / rooms
  --senders <n>               senders per room, the first members of each room (default 1)
  --rate <msg/s>              messages per second per sender (default 250)
                              offered deliveries/s = rooms * senders * rate * members
                              (the defaults give 50,000 deliveries/s in 20-member rooms)
  --duration <s>              measured window (default 10)
  --warmup <s>                sending before the window, not measured (default 3)
  --drain <s>                 longest wait for in-flight messages after the window (default 3)
  --text-chars <n>            message text length, stamp included (default 64; rgchat max 400)
  --room-prefix <name>        rooms are <prefix>-0 .. <prefix>-(R-1) (default bench); reruns
                              reuse them (create_room is idempotent)
  --connect-concurrency <n>   connection attempts in flight (default 200)
  --tick-ms <ms>              send scheduler tick: one timer sends every due message (default 10).
                              Senders' messages leave in per-tick bursts, which lets servers batch
                              writes; a smaller tick spreads them and raises the CPU per delivery of
                              server and tool alike. Compare servers only at the same --tick-ms.
  --timeout <s>               longest wait for any setup reply (default 30)

join mode
  --history <n>               messages to pre-fill the join room with (default 500)
  --joiners <n>               connections joining over and over (default 1)
  --join-interval-ms <ms>     pause between a joined_room and the next join_room (default 10)
  --background-rate <msg/s>   fan-out load per sender during the joins, using --connections,
                              --rooms, --senders (default 0 = none)

idle mode
  --idle-seconds <s>          hold time before the RSS reading (default 5)

abuse mode
  --attack <a,b,...|all>      attacks to run at once (default all):
                                fragment-flood  raw socket: a text frame's first fragment, then
                                                1-byte continuation fragments, never finished
                                junk-frames     bad JSON and 1 KiB unknown-type frames
                                room-flood      create_room with a new name each time
                                room-recreate   create_room of one existing room again and again
                                join-amplify    join_room alternating two rooms seeded with
                                                --history messages each (default 500)
                                ungreeted       upgrade, then never send hello
                              all but ungreeted send as fast as the socket takes them, answer
                              pings, and reconnect when the server closes them
  --attackers <n>             connections per attack (default 1)
  --ping-interval-ms <ms>     the honest client's ping period (default 100)
  --honest-forwarded-for <a>  the honest client (and the liveness probe) send X-Forwarded-For: <a>;
                              with the server on TRUST_PROXY=true every per-address limit stays
                              on for the attackers (all 127.0.0.1) and off the honest client's back

Extensions
  --features <a,b,...>        hello.features of every client (default none; presence mode:
                              presence,typing). "" = plain rg-chat-v1 clients. With acks, every
                              send carries its own clientMsgId (the acknowledged send path)

presence mode
  --typists <n>               members typing during the typing phase (default 20)
  --keystroke-ms <ms>         a typist's keystroke period: one typing active:true each (default 200)
  --bus-url <postgres-url>    count the servers' bus events (LISTEN on their NOTIFY channel)
  --bus-schema <name>         the servers' DATABASE_SCHEMA (default rgchat)

Output: a human summary, then exactly one line "BENCH_JSON {...}" (grep for it).

Measurement: each sender writes its send time (performance.now(), the process's
monotonic high-resolution clock, in µs) into the message text; receivers in this
same process compute send-to-receipt latency. Only messages sent inside the
window count; delivery ratio = deliveries received / (messages sent x members).
The tool reports its own CPU: at >= 90% of one core it says it saturated, and the
figures then describe the tool, not the server. Pin server and tool to different
cores, e.g. taskset -c 1 <server>, taskset -c 0 node packages/bench/dist/cli.js.

rgchat rate limit: rgchat limits each connection to 10 requests/s (burst 30) and
32 requests waiting or being stored by default, far below bench rates. Start the
server with, for example, RATE_LIMIT_PER_SEC=1000000 RATE_LIMIT_BURST=1000000
MAX_PENDING_REQUESTS=10000 RATE_LIMIT_PER_IP_PER_SEC=1000000
RATE_LIMIT_PER_IP_BURST=1000000 MAX_CONNECTIONS_PER_IP=1000000 (every bench
client is 127.0.0.1), or sends come back as RATE_LIMITED errors (counted
under errors). It also allows 30 new rooms per client address per hour: runs
that create fresh rooms from one address need ROOM_CREATES_PER_IP_PER_HOUR=1000000.

Examples
  node packages/bench/dist/baseline-server.js --port 8080 &
  node packages/bench/dist/cli.js --url ws://127.0.0.1:8080/ --server-pid auto
  node packages/bench/dist/cli.js --mode idle --connections 10000 --rooms 100 --server-pid auto
  node packages/bench/dist/cli.js --mode join --history 500 --background-rate 125 --server-pid auto
  node packages/bench/dist/cli.js --mode slow-reader --rate 500 --text-chars 380 --duration 20
  node packages/bench/dist/run-suite.js --server-cmd "node packages/app/dist/main.js"
`;
