// A fast webhook receiver for bench/webhooks.sh: answers every POST with
// 204 at once and counts them. Prints its port on the first line; on
// SIGTERM prints the count and exits.
import http from "node:http";

let received = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    received += 1;
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
process.on("SIGTERM", () => {
  console.log(`received ${received}`);
  process.exit(0);
});
