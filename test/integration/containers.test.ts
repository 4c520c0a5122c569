/**
 * Everything on the containers backend, one part after another in one file. A parity run
 * keeps two whole stacks busy (native and containerised, 27 containers); two such files beside
 * each other, with the rest of the suite, starved a 2-core machine until 1 s scrapes timed out
 * and a near-miss alert fired. One file runs them in turn while the other workers take the
 * native files. Each part is its own module:
 *   parity.ts       the permissive folder: same verdicts natively and on containers; SIGKILL
 *   seed-parity.ts  the seed folder (Loki/Promtail user-supplied): the same, logs skipped
 *   commands.ts     Ctrl-C, capacity's load and both growth axes on containers
 */
import './containers/parity.ts';
import './containers/seed-parity.ts';
import './containers/commands.ts';
