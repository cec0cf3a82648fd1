// Child process for catalog-crash.test.ts (not a test itself): opens the catalog in argv[2] and
// mutates it until killed, printing one line per acknowledged mutation:
//   ready                 after open
//   create <name> <id> <then-drop>   after createStream resolved (the stream is durable);
//                         then-drop is 1 when a drop of it follows (so it may vanish unacknowledged)
//   drop <name>           after dropStream resolved (the drop is durable)
// Several mutations are in flight at once, to exercise the serialization of writes. stdout is a
// pipe, which Node writes synchronously on Linux, so a printed line was really acknowledged.
import { Catalog } from '../../../src/storage/catalog/catalog.ts';
import { T } from '../../../src/types/data-type.ts';

const dataDir = process.argv[2];
const round = process.argv[3];
const IN_FLIGHT = 4;

const catalog = await Catalog.open(dataDir);
process.stdout.write('ready\n');

let next = 0;
async function worker(): Promise<void> {
  for (;;) {
    const n = next++;
    const name = `r${round}_s${n}`;
    const stream = await catalog.createStream('default', name, [{ name: 'v', type: T.float64 }], { retention_ms: n });
    const thenDrop = n % 3 === 2;
    process.stdout.write(`create ${name} ${stream.id} ${thenDrop ? 1 : 0}\n`);
    if (thenDrop) {
      await catalog.dropStream('default', name);
      process.stdout.write(`drop ${name}\n`);
    }
  }
}

await Promise.all(Array.from({ length: IN_FLIGHT }, () => worker()));
