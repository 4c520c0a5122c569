/**
 * The catalog of fake MCP services: the one place that says which services exist.
 * Adding a service is adding one entry here; everything else (processes, scrape
 * targets, log files, traffic) is derived from it.
 *
 * Ports follow the seed's plan: MCP services on 7001-7026 on the host. Under Docker
 * Compose each service is reachable as `<name>:<port>` (container port = host port),
 * which is what monitoring/prometheus/prometheus.yml refers to.
 */

export type ServiceGroup = 'core' | 'ai' | 'db-wrappers' | 'messaging' | 'coordinator';

/** Latency of one tool call, in milliseconds: a log-normal around `medianMs`. */
export interface LatencyProfile {
  medianMs: number;
  /** Multiplicative spread (sigma of the underlying normal). 0 = fixed latency. */
  sigma: number;
  /** Hard ceiling so a long tail never exceeds what the service would really do. */
  maxMs: number;
}

export interface ToolSpec {
  name: string;
  description: string;
  /** Relative weight of this tool in background traffic. */
  weight: number;
  /** Typical response payload size in bytes. */
  payloadBytes: number;
  /** Argument names the tool's inputSchema declares (all strings; the fake ignores their values). */
  args: string[];
}

export interface ServiceSpec {
  /** DNS name under Compose and the `service` label everywhere: `<name>-mcp`. */
  name: string;
  group: ServiceGroup;
  /** Host port (native backend, before --port-offset). */
  port: number;
  tools: ToolSpec[];
  latency: LatencyProfile;
  /** Fraction of tool calls that fail with a 5xx even when healthy (real services are never perfect). */
  baselineErrorRatio: number;
  /** Extra, request-independent log lines per second (housekeeping, cache stats, ...). */
  logLinesPerSecond: number;
  /** A real backend the service holds a connection pool to. */
  backend?: 'postgres' | 'redis' | 'mqtt' | 'qdrant-standin';
}

/** Offset from a service's port to its fault-control port, which Prometheus never scrapes. */
export const CONTROL_PORT_OFFSET = 100;

/** Shorthand: [name, description, weight, payloadBytes, args]. */
type ToolRow = [string, string, number, number, string[]];
const tools = (rows: ToolRow[]): ToolSpec[] =>
  rows.map(([name, description, weight, payloadBytes, args]) => ({ name, description, weight, payloadBytes, args }));

const KB = 1024;

/*
 * Latency profiles are log-normal; p99 = median * exp(2.326 * sigma). Every profile keeps
 * p99 well under 1 s and maxMs under 1 s, so neither HighLatency (p95 > 1 s) nor the seed's
 * "duration >= 1000ms" LogQL can fire on a healthy stack. Baseline error ratios stay <= 0.5%,
 * far from HighErrorRate's 5%.
 */
export const SERVICES: ServiceSpec[] = [
  {
    name: 'terminal-mcp', group: 'core', port: 7001,
    tools: tools([
      ['run_command', 'Run a shell command in a sandboxed working directory and return stdout/stderr', 6, 2 * KB, ['command', 'cwd']],
      ['get_working_directory', 'Return the current working directory of the terminal session', 2, 200, []],
      ['list_processes', 'List processes running in the sandbox with pid, cpu and memory', 2, 8 * KB, []],
      ['get_environment', 'Return the environment variables visible to commands', 1, 3 * KB, ['prefix']],
    ]),
    latency: { medianMs: 25, sigma: 0.6, maxMs: 600 }, baselineErrorRatio: 0.003, logLinesPerSecond: 0.5,
  },
  {
    name: 'filesystem-mcp', group: 'core', port: 7002,
    tools: tools([
      ['read_file', 'Read the contents of a file inside the allowed roots', 6, 16 * KB, ['path']],
      ['write_file', 'Create or overwrite a file inside the allowed roots', 3, 256, ['path', 'content']],
      ['list_directory', 'List the entries of a directory with type and size', 4, 4 * KB, ['path']],
      ['search_files', 'Recursively search for files whose name matches a glob pattern', 2, 8 * KB, ['path', 'pattern']],
      ['get_file_info', 'Return size, permissions and timestamps of a file', 2, 512, ['path']],
    ]),
    latency: { medianMs: 8, sigma: 0.5, maxMs: 400 }, baselineErrorRatio: 0.002, logLinesPerSecond: 0.5,
  },
  {
    name: 'database-mcp', group: 'core', port: 7003,
    tools: tools([
      ['execute_query', 'Execute a read-only SQL query against the configured database', 5, 12 * KB, ['sql']],
      ['list_tables', 'List tables in the current schema', 2, 2 * KB, ['schema']],
      ['describe_table', 'Describe the columns, indexes and constraints of a table', 2, 3 * KB, ['table']],
      ['explain_query', 'Show the query plan for a SQL statement', 1, 4 * KB, ['sql']],
    ]),
    latency: { medianMs: 15, sigma: 0.6, maxMs: 600 }, baselineErrorRatio: 0.003, logLinesPerSecond: 0.4,
  },
  {
    name: 'git-mcp', group: 'core', port: 7004,
    tools: tools([
      ['git_status', 'Show the working tree status of a repository', 5, 1 * KB, ['repo_path']],
      ['git_log', 'Show recent commits with author, date and message', 3, 8 * KB, ['repo_path', 'max_count']],
      ['git_diff', 'Show changes between the working tree and a revision', 3, 24 * KB, ['repo_path', 'target']],
      ['git_show', 'Show the contents of a commit', 1, 16 * KB, ['repo_path', 'revision']],
      ['git_branch', 'List local branches and the current one', 1, 512, ['repo_path']],
    ]),
    latency: { medianMs: 20, sigma: 0.5, maxMs: 500 }, baselineErrorRatio: 0.002, logLinesPerSecond: 0.3,
  },
  {
    name: 'memory-mcp', group: 'core', port: 7005,
    tools: tools([
      ['store_memory', 'Store a memory entry with tags for later retrieval', 3, 256, ['content', 'tags']],
      ['retrieve_memory', 'Retrieve a memory entry by id', 5, 4 * KB, ['id']],
      ['search_memories', 'Search stored memories by text and tags', 3, 8 * KB, ['query']],
      ['delete_memory', 'Delete a memory entry by id', 1, 128, ['id']],
    ]),
    latency: { medianMs: 5, sigma: 0.4, maxMs: 200 }, baselineErrorRatio: 0.001, logLinesPerSecond: 0.3,
  },
  {
    name: 'system-mcp', group: 'core', port: 7006,
    tools: tools([
      ['get_system_info', 'Return OS, kernel, hostname and uptime', 3, 1 * KB, []],
      ['get_cpu_usage', 'Return per-core CPU utilisation', 3, 256, []],
      ['get_memory_usage', 'Return total, used and available memory', 3, 256, []],
      ['get_disk_usage', 'Return usage of mounted filesystems', 2, 1 * KB, ['mount']],
    ]),
    latency: { medianMs: 6, sigma: 0.4, maxMs: 250 }, baselineErrorRatio: 0.001, logLinesPerSecond: 0.5,
  },
  {
    name: 'config-mcp', group: 'core', port: 7007,
    tools: tools([
      ['get_config', 'Read a configuration value by key', 6, 2 * KB, ['key']],
      ['set_config', 'Set a configuration value', 2, 128, ['key', 'value']],
      ['list_configs', 'List configuration keys under a prefix', 2, 4 * KB, ['prefix']],
      ['validate_config', 'Validate a configuration document against its schema', 1, 512, ['document']],
    ]),
    latency: { medianMs: 4, sigma: 0.3, maxMs: 150 }, baselineErrorRatio: 0.001, logLinesPerSecond: 0.2,
  },
  {
    name: 'log-mcp', group: 'core', port: 7008,
    tools: tools([
      ['query_logs', 'Query aggregated logs by service, level and time range', 5, 32 * KB, ['query', 'since']],
      ['tail_logs', 'Return the most recent lines of a service log', 3, 16 * KB, ['service', 'lines']],
      ['get_log_stats', 'Return line counts per level and service', 2, 1 * KB, ['since']],
      ['append_log', 'Append a structured entry to the audit log', 2, 128, ['entry']],
    ]),
    latency: { medianMs: 30, sigma: 0.6, maxMs: 700 }, baselineErrorRatio: 0.003, logLinesPerSecond: 1,
  },
  {
    name: 'network-mcp', group: 'core', port: 7009,
    tools: tools([
      ['http_get', 'Fetch a URL from the allow-listed hosts and return the body', 4, 16 * KB, ['url']],
      ['dns_lookup', 'Resolve a hostname to its addresses', 3, 256, ['hostname']],
      ['ping_host', 'Measure round-trip time to a host', 3, 512, ['host', 'count']],
      ['check_port', 'Check whether a TCP port is reachable', 2, 128, ['host', 'port']],
    ]),
    latency: { medianMs: 40, sigma: 0.7, maxMs: 800 }, baselineErrorRatio: 0.005, logLinesPerSecond: 0.4,
  },
  {
    name: 'security-mcp', group: 'core', port: 7010,
    tools: tools([
      ['hash_data', 'Compute a cryptographic digest of the given data', 3, 256, ['data', 'algorithm']],
      ['scan_secrets', 'Scan text for leaked credentials and keys', 3, 4 * KB, ['text']],
      ['verify_signature', 'Verify a detached signature against a public key', 2, 128, ['data', 'signature', 'public_key']],
      ['generate_token', 'Generate a random token of the requested length', 2, 256, ['length']],
    ]),
    latency: { medianMs: 10, sigma: 0.5, maxMs: 400 }, baselineErrorRatio: 0.002, logLinesPerSecond: 0.3,
  },
  {
    name: 'research-mcp', group: 'ai', port: 7011,
    tools: tools([
      ['web_search', 'Search the web and return ranked results with snippets', 4, 24 * KB, ['query', 'max_results']],
      ['summarize_document', 'Summarise a document into key points', 3, 8 * KB, ['url']],
      ['deep_research', 'Run a multi-step research plan and return a cited report', 1, 96 * KB, ['topic']],
      ['fetch_citations', 'Return citation metadata for a list of sources', 2, 6 * KB, ['sources']],
    ]),
    latency: { medianMs: 150, sigma: 0.45, maxMs: 800 }, baselineErrorRatio: 0.005, logLinesPerSecond: 0.5,
  },
  {
    name: 'transcriber-mcp', group: 'ai', port: 7012,
    tools: tools([
      ['transcribe_audio', 'Transcribe an audio file to text with timestamps', 4, 32 * KB, ['audio_path', 'language']],
      ['detect_language', 'Detect the spoken language of an audio file', 2, 128, ['audio_path']],
      ['list_transcripts', 'List stored transcripts', 2, 4 * KB, []],
      ['get_transcript', 'Return a stored transcript by id', 2, 24 * KB, ['id']],
    ]),
    latency: { medianMs: 120, sigma: 0.5, maxMs: 800 }, baselineErrorRatio: 0.004, logLinesPerSecond: 0.3,
  },
  {
    name: 'postgresql-mcp', group: 'db-wrappers', port: 7013, backend: 'postgres',
    tools: tools([
      ['query', 'Run a read-only SELECT against PostgreSQL and return the rows', 5, 8 * KB, ['sql']],
      ['list_tables', 'List tables visible to the connected role', 2, 2 * KB, ['schema']],
      ['describe_table', 'Describe the columns of a table', 2, 2 * KB, ['table']],
      ['get_stats', 'Return database activity statistics', 1, 4 * KB, []],
    ]),
    latency: { medianMs: 10, sigma: 0.5, maxMs: 500 }, baselineErrorRatio: 0.002, logLinesPerSecond: 0.3,
  },
  {
    name: 'redis-mcp', group: 'db-wrappers', port: 7014, backend: 'redis',
    tools: tools([
      ['redis_get', 'Get the value of a key', 5, 1 * KB, ['key']],
      ['redis_set', 'Set a key to a value with an optional TTL', 3, 64, ['key', 'value', 'ttl_seconds']],
      ['redis_delete', 'Delete a key', 1, 64, ['key']],
      ['redis_scan', 'Scan keys matching a pattern', 1, 2 * KB, ['pattern']],
    ]),
    latency: { medianMs: 3, sigma: 0.4, maxMs: 200 }, baselineErrorRatio: 0.001, logLinesPerSecond: 0.3,
  },
  {
    name: 'qdrant-mcp', group: 'db-wrappers', port: 7015, backend: 'qdrant-standin',
    tools: tools([
      ['search_points', 'Search a collection for the nearest vectors to a query vector', 5, 4 * KB, ['collection', 'vector', 'limit']],
      ['upsert_points', 'Insert or update points in a collection', 3, 256, ['collection', 'points']],
      ['list_collections', 'List vector collections', 1, 512, []],
      ['get_collection_info', 'Return size and configuration of a collection', 1, 512, ['collection']],
    ]),
    latency: { medianMs: 12, sigma: 0.5, maxMs: 500 }, baselineErrorRatio: 0.002, logLinesPerSecond: 0.3,
  },
  {
    name: 'mqtt-mcp', group: 'messaging', port: 7016, backend: 'mqtt',
    tools: tools([
      ['publish_message', 'Publish a message to an MQTT topic', 5, 128, ['topic', 'payload', 'qos']],
      ['list_topics', 'List topics seen on the broker recently', 2, 2 * KB, []],
      ['get_broker_stats', "Return the broker's message and client counters", 2, 512, []],
      ['get_retained_message', 'Return the retained message of a topic', 1, 512, ['topic']],
    ]),
    latency: { medianMs: 5, sigma: 0.4, maxMs: 300 }, baselineErrorRatio: 0.001, logLinesPerSecond: 0.3,
  },
];

/** The master controller: routes tool calls to the other services (see `upstreams` in config.ts). */
export const COORDINATOR: ServiceSpec = {
  name: 'zen-coordinator', group: 'coordinator', port: 7000,
  tools: tools([
    ['route_tool_call', 'Route a tool call to the MCP service that owns the tool', 8, 2 * KB, ['service', 'tool', 'arguments']],
    ['list_services', 'List registered MCP services and their tools', 1, 2 * KB, []],
    ['get_service_health', 'Return the last known health of every registered service', 1, 1 * KB, []],
  ]),
  // Own overhead only; a routed call adds the upstream's latency (<= 800 ms), so the sum stays < 1 s.
  latency: { medianMs: 2, sigma: 0.3, maxMs: 60 }, baselineErrorRatio: 0.001, logLinesPerSecond: 0.5,
};

/** The coordinator first, then the 16 MCP services in port order. */
export function allServices(): ServiceSpec[] {
  return [COORDINATOR, ...SERVICES];
}

export function serviceByName(name: string): ServiceSpec | undefined {
  return allServices().find((s) => s.name === name);
}
