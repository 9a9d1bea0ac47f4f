// Starts the fauxqs SQS/SNS/S3 emulator bound to loopback only: its own CLI listens on 0.0.0.0.
// Usage: node fauxqs-loopback.mjs <path to fauxqs/dist/app.js> <port>
import { pathToFileURL } from "node:url";

const [appPath, port] = process.argv.slice(2);
const { buildApp } = await import(pathToFileURL(appPath).href);
const app = buildApp({ logger: false });
await app.listen({ port: Number(port), host: "127.0.0.1" });
console.log(`fauxqs listening on 127.0.0.1:${port}`);
