// Event-stream load for bench/events.sh.
//   node bench/sse.mjs idle <base> <n>        opens n idle streams, prints
//                                             "open <n>" when all are open,
//                                             holds them until stdin closes
//   node bench/sse.mjs delay <base> <token> <n>
//                                             n times: creates a published
//                                             post and times its event at a
//                                             subscriber; prints p50/p99 ms
import http from "node:http";

const [mode, base, ...rest] = process.argv.slice(2);

function open(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { agent: false, headers }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
      else resolve(res);
    });
    req.on("error", reject);
  });
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

if (mode === "idle") {
  const n = Number(rest[0]);
  const streams = [];
  for (let i = 0; i < n; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 100); j++) batch.push(open("/api/v1/events"));
    for (const res of await Promise.all(batch)) {
      res.on("data", () => {});
      streams.push(res);
    }
  }
  console.log(`open ${streams.length}`);
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
} else if (mode === "delay") {
  const [token, count] = [rest[0], Number(rest[1])];
  const res = await open("/api/v1/events");
  res.setEncoding("utf8");
  const waiting = new Map();
  let buffer = "";
  res.on("data", (chunk) => {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.split("\n").find((l) => l.startsWith("data: "));
      if (!data) continue;
      const title = JSON.parse(data.slice(6))?.data?.title;
      const resolve = waiting.get(title);
      if (resolve) resolve(performance.now());
    }
  });
  const delays = [];
  const writes = [];
  for (let i = 0; i < count; i++) {
    const title = `Delay ${Date.now()} ${i}`;
    const arrived = new Promise((resolve) => waiting.set(title, resolve));
    const t0 = performance.now();
    const write = await fetch(`${base}/api/v1/posts`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title, markdown: "x", status: "published" }),
    });
    if (write.status !== 201) throw new Error(`write: ${write.status}`);
    const t1 = performance.now();
    const t2 = await arrived;
    writes.push(t1 - t0);
    delays.push(t2 - t0);
  }
  delays.sort((a, b) => a - b);
  writes.sort((a, b) => a - b);
  console.log(
    `delay p50 ${pct(delays, 50).toFixed(1)} p99 ${pct(delays, 99).toFixed(1)} write p50 ${pct(writes, 50).toFixed(1)} p99 ${pct(writes, 99).toFixed(1)}`,
  );
  process.exit(0);
}
