// The embedded engine for the benchmark in its own process, so its CPU is read apart from the
// runtime's and the load generator's: a migrated in-memory PGlite served over the wire
// protocol (as `tether up` serves it). Prints its URL, runs until stdin closes.
import { createTestDatabase } from '@tether/db/testing';

delete process.env.TETHER_TEST_DATABASE_URL;
const t = await createTestDatabase();
console.log(`url ${t.url}`);
process.stdin.resume();
process.stdin.on('end', () => void t.close().then(() => process.exit(0)));
