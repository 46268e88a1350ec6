/**
 * MIGRATE and ASKING, the two non-CLUSTER commands of slot migration (Redis Cluster
 * specification, "Live resharding"). MIGRATE is validated here, in the order Redis's
 * migrateCommand checks; the transfer is handed over as an intent.
 */
import { isValidPort } from '../topology/index.ts';
import { type Handler, parseIntegerArgument, reply, withIntent } from './command-kit.ts';
import { hasKey } from './key-index.ts';
import { SYNTAX_ERROR, parseRedisInteger } from './redis-args.ts';
import { OK, errorReply, errorWithCode, simpleReply } from './resp.ts';

/** MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS key ...] */
export const migrate: Handler = (view, argv) => {
  let copy = false;
  let replace = false;
  let auth: { username: string | null; password: string } | null = null;
  let keys = [argv[3]!];
  for (let j = 6; j < argv.length; j++) {
    const option = argv[j]!.toLowerCase();
    const more = argv.length - 1 - j;
    if (option === 'copy') copy = true;
    else if (option === 'replace') replace = true;
    else if (option === 'auth') {
      if (more < 1) return reply(view, errorReply(SYNTAX_ERROR));
      auth = { username: null, password: argv[++j]! };
    } else if (option === 'auth2') {
      if (more < 2) return reply(view, errorReply(SYNTAX_ERROR));
      auth = { username: argv[j + 1]!, password: argv[j + 2]! };
      j += 2;
    } else if (option === 'keys') {
      if (argv[3] !== '') {
        return reply(view, errorReply('When using MIGRATE KEYS option, the key argument must be set to the empty string'));
      }
      keys = argv.slice(j + 1);
      break; // every remaining argument is a key
    } else return reply(view, errorReply(SYNTAX_ERROR));
  }

  // Redis parses the timeout before the database number.
  const timeout = parseIntegerArgument(argv[5]!);
  if (!timeout.ok) return reply(view, timeout.error);
  const db = parseIntegerArgument(argv[4]!);
  if (!db.ok) return reply(view, db.error);
  const timeoutMs = timeout.value <= 0 ? 1000 : timeout.value;

  // Keys that expired or never existed are skipped; with none left there is nothing to do,
  // which Redis reports as +NOKEY rather than an error.
  const present = keys.filter((key) => hasKey(view.keys, key));
  if (present.length === 0) return reply(view, simpleReply('NOKEY'));

  // Redis does not validate the port; a bad one fails the connection, with this reply.
  const port = parseRedisInteger(argv[2]!);
  if (port === null || !isValidPort(port)) return reply(view, errorWithCode('IOERR', 'error or timeout connecting to the client'));

  return withIntent(view, OK, {
    type: 'migrate',
    host: argv[1]!,
    port,
    db: db.value,
    timeoutMs,
    keys: present,
    copy,
    replace,
    auth,
  });
};

/** ASKING: sets a flag on the connection, which is not part of the node's view. */
export const asking: Handler = (view) => withIntent(view, OK, { type: 'asking' });
