/** autocannon in its own process (bench/load.ts pins it to a core of its own). Prints one JSON line. */
import autocannon from 'autocannon';

const { url, headers, seconds, connections } = JSON.parse(process.argv[2]!) as { url: string; headers: Record<string, string>; seconds: number; connections: number };
const r = await autocannon({ url, headers, connections, duration: seconds });
process.stdout.write(JSON.stringify({ requestsPerSecond: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, non2xx: r.non2xx }));
