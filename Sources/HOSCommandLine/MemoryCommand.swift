// hos-memory: the 4-layer memory in one SQLite file; the agent stage and the file's maintenance commands.

import ArgumentParser
import Foundation
import HOSCore
import HOSMemory

/// The memory file and its tunables, shared by every subcommand.
public struct MemoryFileOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The memory: a file, or postgresql://USER@HOST:PORT/DB?sslmode=… (default: $HOS_MEMORY, else ./hos-memory.sqlite).",
            valueName: "path"))
    public var memory: String?

    @Option(help: memoryKeyFileHelp) public var memoryKeyFile: String?

    @Option(help: ArgumentHelp("Hours a working-memory row lives after its request's timestamp.", valueName: "hours"))
    public var sessionTTL = 24

    @Option(help: ArgumentHelp("Days of daily records kept in the short-term layer.", valueName: "days"))
    public var shortTermDays = 90

    @Option(
        help: ArgumentHelp(
            "Ranked items (strategies, earlier analyses, insights) a memory_context holds at most.",
            valueName: "n"))
    public var contextItems = 12

    @Option(help: ArgumentHelp("Bytes a memory_context payload holds at most.", valueName: "n"))
    public var contextBytes = 16_384

    @Flag(help: "Also keep each stored event's line in event_log (debugging).")
    public var logEvents = false

    public init() {}

    public mutating func validate() throws {
        guard (1...8760).contains(sessionTTL) else { throw ValidationError("--session-ttl must be from 1 to 8760") }
        guard (7...3660).contains(shortTermDays) else {
            throw ValidationError("--short-term-days must be from 7 to 3660")
        }
        guard (0...1000).contains(contextItems) else { throw ValidationError("--context-items must be from 0 to 1000") }
        guard (1024...16_777_216).contains(contextBytes) else {
            throw ValidationError("--context-bytes must be from 1024 to 16777216")
        }
    }

    /// The resolved path of the file.
    public var path: String { MemoryStore.resolvePath(flag: memory, environment: ProcessInfo.processInfo.environment) }

    /// The file's key: `--memory-key-file`, else `HOS_MEMORY_KEY_FILE`, else none.
    public func key() throws -> MemoryKey? {
        try MemoryKey.resolve(flag: memoryKeyFile, environment: ProcessInfo.processInfo.environment)
    }

    /// Opens and migrates the file; creates it only with `create` (the agent, store, restore); verifies it
    /// as `check` says (see MemoryStore.OpenCheck); with its key unless `plain` (encrypt opens a plain file
    /// whatever HOS_MEMORY_KEY_FILE says: that key is the one it will encrypt with).
    public func open(
        readOnly: Bool = false, create: Bool = false,
        check: MemoryStore.OpenCheck = .smallFile, plain: Bool = false
    ) throws -> MemoryStore {
        var o = MemoryOptions()
        o.sessionTTLHours = sessionTTL
        o.shortTermDays = shortTermDays
        o.contextItems = contextItems
        o.contextBytes = contextBytes
        o.logEvents = logEvents
        let store = try MemoryStore(
            path: path, options: o, readOnly: readOnly, create: create, check: check, key: plain ? nil : key())
        let env = ProcessInfo.processInfo.environment
        store.actor = env["USER"] ?? env["LOGNAME"] ?? "uid \(getuid())"
        return store
    }

    /// Opens the file for a command that reads a user's rows: read-only when this process cannot write it,
    /// with a warning that the access goes unaudited. The command verifies what it reads itself.
    func openForReading(_ command: String) throws -> MemoryStore {
        let writable = MemoryStore.isWritable(path)
        let store = try open(readOnly: !writable, check: .none)
        if !writable {
            printError("\(MemoryStage.agent): warning: \(path) is read-only: this \(command) is not in the audit log")
        }
        return store
    }
}

/// The wall clock of the maintenance commands (audit times, expiry): `HOS_NOW` when set, for tests.
func memoryNow() -> String {
    if let s = ProcessInfo.processInfo.environment["HOS_NOW"], let t = Timestamp.parse(s) {
        return Timestamp.format(seconds: t.seconds)
    }
    return Timestamp.format(seconds: Int(Date().timeIntervalSince1970))
}

public struct MemoryCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hos-memory",
        abstract: "The 4-layer memory of hos in one SQLite file: store what flows by, answer with memory_context.",
        discussion: """
            As an agent (the default subcommand, 'run'), hos-memory stores the events that flow by and, at \
            each user's analysis_request, writes one memory_context for that user before forwarding the \
            request. The other subcommands read and maintain the file. See 'hos-memory run --help' for the context, \
            the ranking and the consolidation rules.

            FILE: one SQLite file: --memory PATH, else $HOS_MEMORY, else ./hos-memory.sqlite; created with \
            mode 0600 (its -wal and -shm files take the same mode); WAL journal, synchronous NORMAL, a busy \
            timeout of 10 s, and up to 8 retries with a growing pause on SQLITE_BUSY, so that many processes \
            can use one file at once. Every write is one IMMEDIATE transaction. SQLite's secure_delete is on: \
            deleted rows are overwritten, not only unlinked (see 'hos-memory forget --help'). An existing file \
            that group or others may read loses those bits (0644 becomes 0600, 0444 0400), with a warning; a \
            file that is not SQLite is refused before that. The schema is made by named, append-only \
            migrations (2026-11-25-layers, 2026-11-25-views, 2026-12-01-adaptation, 2026-12-03-llm, \
            2026-12-06-audit-without-user), applied on open by the commands that may write.

            POSTGRESQL: --memory postgresql://USER@HOST:PORT/DB?sslmode=verify-full (or HOS_MEMORY) keeps the \
            same layers in a PostgreSQL database that many machines share: the same tables (text compared as \
            bytes, as SQLite compares it), the same migrations (applied on open under an advisory lock), the \
            same statements. Each write is one SERIALIZABLE transaction, run again when the server aborts it \
            for a conflict with another writer, so that concurrent workers lose no update. The URL, its \
            sslmode and the password (PGPASSWORD or ~/.pgpass, never in the URL) are read as libpq reads them. \
            run, store, replay, recall, export, forget and consolidate work alike; forget deletes the user's \
            rows in one transaction, and the server frees their space when it vacuums (their bytes may stay in \
            free space and its WAL until reused: VACUUM FULL rewrites the tables). backup, restore, check and \
            stats are SQLite's and are refused (exit 64): use pg_dump, pg_restore and the server's own checks.

            DAMAGE: a file that SQLite finds damaged (SQLITE_CORRUPT, SQLITE_NOTADB) or that PRAGMA \
            quick_check finds fault with is never read as if whole: the command stops with exit 74 and \
            'hos-memory: memory file damaged: FILE: OPERATION: REASON; run 'hos-memory check'; restore from a \
            backup', having written nothing on standard output. recall, export, forget (inside its \
            transaction, before deleting), stats, consolidate and backup (on the copy) verify the whole file \
            with quick_check (about 0.5 s for 220 MB); the agents (run, store, hos-adapt, hos-insights and \
            hos-behavior with --llm) verify files of up to 64 MiB when they open them and otherwise rely on \
            SQLite noticing damage in the pages they read (cell_size_check is on). 'check' reports damage as \
            problems (exit 1); 'restore' replaces a damaged memory file with a good backup.

            READ-ONLY FILES: stats, check and backup open the file read-only; recall and export do when this \
            process cannot write the file (or the folder holding its -wal and -shm files), and then say with \
            a warning that the access is not in the audit log. In a folder where the -shm file cannot be made \
            the file is opened immutable.

            TABLES, every row keyed by user_id: working (analysis_id, context, expires_at: the working \
            layer); short_term_record (user, date, metric → value; clock times as minutes after \
            midnight), short_term_history (every displaced or late value), short_term_stat (7- and \
            30-day n, mean, sd, min, max per metric): the short-term layer; long_term_preference (key, \
            value JSON, confidence, evidence_count, source, first_seen, last_seen), long_term_strategy \
            (dimension, arm, category, success_rate, confidence, evidence_count), candidate (patterns \
            not yet promoted), profile, user_archetype (the archetype the user's own records, profile and \
            requests last stated): the long-term layer; meta (adherence, difficulty_response, \
            strategy_kinds, engagement), consolidation_state: the meta layer; analyses (every agent \
            result and request, with a summary and the payload), insight (content_hash, seen_count, \
            useful, feedback_note), plan_item, plan_feedback: history; experiment (dimension, arm, \
            successes, failures, p_best, chosen) and adaptation_state (difficulty): what hos-adapt \
            decided; adapt_arm (per arm: archetype, prior_alpha, prior_beta, successes, failures, pulls, \
            p_best, chosen), adapt_decision (hos-adapt's decision log: context, arm, propensity, plan, \
            reward) and adapt_switch (archetype switches: from_archetype, to_archetype, switched_at, since, \
            analysis_id, strategy); event_seen (the idempotency ledger: user_id, event_id); event_log (with \
            --log-events); audit_log (at, action: recall, export, forget or restore, and detail: rows, layer, and \
            by: $USER). The audit log names no user: its user_hash column is always '' (earlier versions wrote an \
            unkeyed hash of the id there, which anyone could reverse by hashing likely ids; the migration \
            2026-12-06-audit-without-user clears them). A keyed hash would not help: its key would have to live \
            in the same file, beside the rows that name the user in clear; after forget nothing is left to \
            link an entry to the user.

            VIEWS: readiness_adherence (per user and analysis: as_of, readiness_score, readiness_state, \
            feedback, adherence), strategy_effectiveness (per archetype, category and strategy: \
            feedback, users, adherence, mean_rating), system_stats (users, events, analyses, records, \
            preferences, strategies, insights, feedback, working sessions). Adherence scores feedback \
            completed 1, partial 0.5, skipped 0. For example:

              sqlite3 hos-memory.sqlite "SELECT analysis_id, as_of, readiness_score, adherence \
            FROM readiness_adherence WHERE user_id = 'u-0001' ORDER BY as_of"

              sqlite3 hos-memory.sqlite "SELECT archetype, strategy, feedback, round(adherence, 2) \
            FROM strategy_effectiveness ORDER BY archetype, adherence DESC"

              sqlite3 hos-memory.sqlite "SELECT * FROM system_stats"

            ENCRYPTION: --memory-key-file FILE (or HOS_MEMORY_KEY_FILE) opens the memory file with SQLCipher 4 \
            (AES-256 in CBC mode, an HMAC-SHA512 per page, a random salt in the file's first 16 bytes): a new \
            file is encrypted from its first page, and nothing of it, nor of its -wal file, is readable \
            without the key. FILE must be a regular file that neither group nor others may read (exit 78 \
            otherwise); 64 hex digits are a raw 256-bit key (make one with: (umask 077; openssl rand -hex 32 \
            > FILE)), anything else a passphrase stretched with PBKDF2-HMAC-SHA512 (256,000 iterations, about \
            0.15 s at each open). The key itself is never taken on the command line, from the environment or \
            from a pipeline file, where ps, /proc and shell history would show it; the environment names only \
            the file, and hos-run and hos-serve pass that name (not the key) to their steps. A wrong key, or a \
            key for a file that is no hos memory file: exit 74, 'memory file FILE: wrong key, or not a hos \
            memory file'; an encrypted file opened without a key: exit 74; a plain file opened with a key: exit \
            78 (it is not encrypted by that: run 'hos-memory encrypt'); a key given to a build whose SQLite \
            cannot encrypt (built without 'make deps', which builds SQLCipher into a cache outside the \
            repository): exit 78, never a file written in the clear. 'encrypt', 'decrypt' and 'rekey' write \
            the file anew and put it in place; backup's copy of an encrypted file is encrypted with the same \
            key, and restore takes a backup encrypted with the memory file's key; check and stats work as on \
            a plain file.

            ERRORS: a SQLite failure ends the run with exit 74 and a message naming the operation \
            (e.g. 'hos-memory: store events: sqlite error 5: database is locked'); a damaged file too (see \
            DAMAGE); messages never hold health values or the SQL's arguments.

            EXIT STATUS: 0 success; 1 check found problems; 64 usage; 65 bad input, or a restore file that \
            fails check; 66 unreadable input or missing file; 74 I/O or SQLite error, a damaged file, a wrong \
            key or an encrypted file without one, a forget whose erasure readers kept from finishing, or an \
            encrypt, decrypt or rekey of a file another process has open; 78 a key that cannot be used (its \
            file readable by others, empty or missing; a plain file given a key; a SQLite without SQLCipher).
            """,
        version: hosVersion,
        subcommands: [
            Run.self, Store.self, Replay.self, Recall.self, Export.self, Forget.self, Consolidate.self, Stats.self,
            Check.self, Backup.self, Restore.self, Encrypt.self, Decrypt.self, Rekey.self,
        ],
        defaultSubcommand: Run.self)

    public init() {}

    public struct Run: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "The agent: store the events that flow by; write memory_context at each analysis_request.",
            discussion: """
                An agent (hos-events(7)): it forwards every event unchanged, stores what it can use, and at \
                each user's analysis_request (explicit, or implicit at end of input) writes one \
                memory_context for that user before the request. No clock is read: times come from the events.

                STORED: health_record (one value per user, date and metric; the event with the later \
                timestamp, then the greater event_id, wins and the other value goes to short_term_history), \
                user_profile (its dietary pattern, exclusions and allergies become the preferences \
                dietary_pattern, exclusions, allergies at once, confidence 1), behavior_analysis, \
                routine_plan (and its items), nutrition_plan, insight (deduplicated by insight_id and by \
                the hash of kind, title and detail), adaptation (difficulty and experiment arms), \
                analysis_complete, plan_feedback (newest wins per plan, item and date), insight_feedback, \
                alert (one row per alert_id, an episode: its later event by as_of wins, closed over open \
                on the same day), and the control events memory_store (payload.preferences {name: value}, or key and value; \
                payload.confidence, default 1), memory_retrieve (answered at once with a memory_context) and \
                memory_consolidate (consolidates the user). Storing is idempotent: an event whose event_id \
                the file holds for its user is skipped, so the same input twice adds no row. Events are \
                written in batches of 4096, and each barrier writes the batch, the request, the working \
                memory and the consolidation in one transaction.

                CONSOLIDATION, at each barrier for the user, and in full with 'hos-memory consolidate': \
                (1) each complete Monday–Sunday week not yet consolidated with at least 3 values of \
                sleep_end (sleep_start) gives a weekly circular median; a median within 30 minutes of the \
                candidate continues its streak (the candidate moves by the difference / streak), else \
                starts a new one and a promoted preference loses confidence × 0.8 (dropped below 0.3); \
                after 3 agreeing weeks the candidate is promoted to the long-term preference wake_time \
                (bedtime), rounded to 5 minutes, confidence 0.5 + 0.1 × weeks (at most 0.95), evidence = \
                the values behind it. (2) 7- and 30-day statistics per metric ending at the latest record \
                date (clock metrics: circular mean and SD in minutes). (3) Records older than \
                --short-term-days before the latest record date are dropped. (4) Meta from plan_feedback \
                joined to plan items: adherence overall, by weekday and by category, by plan difficulty \
                (difficulty_response), by strategy arm (strategy_kinds); engagement (days logged in the \
                last 7 days against the 7 before: rising, falling or steady). An arm with at least 5 \
                feedbacks and a Laplace rate (sum + 1) / (n + 2) ≥ 0.6 is a proven strategy (confidence = \
                that rate); the best proven exercise_time arm becomes the preference exercise_time. \
                (5) Working rows past expires_at are dropped.

                MEMORY_CONTEXT payload: working (analysis_id, as_of, window_days, archetype, the session's \
                event counts, metrics and dates, new_events and seen_before (a rerun of known input says \
                new_events 0), created_at, expires_at = request time + --session-ttl), \
                short_term (days, as_of, rolling {metric: {7d, 30d}}), long_term (preferences {name: \
                {value, confidence, evidence_count, source, first_seen, last_seen}}, at most 32; \
                strategies [..]), meta {adherence, difficulty_response, strategy_kinds, engagement}, \
                history (analyses_total, analyses [earlier analyses summarised: as_of, readiness, plans' \
                difficulty, energy, insights, adherence], insights [..], and for hos-insights \
                insight_subjects, insight_feedback, metrics and, when the user has any, open_alerts {rule: \
                {alert_id, rule, severity, started, as_of, title}}), adaptation_state (difficulty, \
                previous_difficulty, reason, variants {dimension: chosen arm}, experiments; variants is {} \
                and difficulty absent when hos-adapt has decided nothing), retrieval (counts and caps). \
                The current analysis is never in its own history, so an identical rerun gives the same \
                context but for working.session's counts.

                RANKING: strategies, earlier analyses and insights are ranked by score = recency × \
                importance × relevance, where recency = 0.5^(age_days / 14), the age counted from the \
                item's day (as_of, last_seen) to the analysis day (the request's as_of, else the latest \
                record date, else the request's UTC day). Importance: a strategy's confidence; an \
                analysis' 0.4 + 0.2 per kind of result it holds (behaviour, routine, nutrition, insight, \
                adaptation), at most 1; an insight's confidence (0.5 when none) × 1.25 when marked useful, \
                × 0.25 when not, at most 1. Relevance: an analysis of the same archetype 1, another 0.5; \
                an insight naming a metric of this session 1, else 0.5; strategies 1. The best \
                --context-items are kept (ties by section, then id), then the lowest-ranked are dropped \
                until the payload fits --context-bytes (then rolling statistics, then meta, from the end \
                of the alphabet). Each kept item carries its score.
                """)

        @OptionGroup public var file: MemoryFileOptions
        @OptionGroup public var stream: StreamOptions

        public init() {}

        public func run() throws {
            try runTool(MemoryStage.agent) {
                let stage = MemoryStage(store: try file.open(create: true))
                let runner = try runStage(stage, tool: MemoryStage.agent, options: stream)
                if stream.stats {
                    printError(
                        "\(MemoryStage.agent): stored=\(runner.stage.stored) duplicates=\(runner.stage.duplicates)"
                            + (runner.stage.replayed > 0 ? " replayed=\(runner.stage.replayed)" : ""))
                }
            }
        }
    }

    public struct Store: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "store",
            abstract: "Store events only: as 'run', with no output and no implicit requests.",
            discussion: """
                Reads events and stores them exactly as 'run' does (analysis_requests write working memory \
                and consolidate), writing nothing on standard output. For the end of a pipeline: \
                '... | hos-routine | hos-adapt | hos-memory store' keeps the plans (and their items, which \
                plan_feedback is joined to) and hos-adapt's difficulty and experiment arms, which the next \
                analysis' memory_context carries as adaptation_state.
                """)

        @OptionGroup public var file: MemoryFileOptions
        @OptionGroup public var stream: StreamOptions

        public init() {}

        public func run() throws {
            try runTool(MemoryStage.agent) {
                let stage = MemoryStage(store: try file.open(create: true), emitContext: false)
                let runner = try runStage(stage, tool: MemoryStage.agent, options: stream) { config in
                    config.forwardInput = false
                    config.implicitRequests = false
                }
                if stream.stats {
                    printError(
                        "\(MemoryStage.agent): stored=\(runner.stage.stored) duplicates=\(runner.stage.duplicates)"
                            + (runner.stage.replayed > 0 ? " replayed=\(runner.stage.replayed)" : ""))
                }
            }
        }
    }

    public struct Replay: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "replay",
            abstract: "Give the agents downstream each user's stored records beside the new ones.",
            discussion: """
                A stage for the front of a pipeline, before the agents that analyse a window of daily \
                records (hos-behavior, hos-insights; hos-nutrition and hos-routine read records too): \
                '... | hos-memory replay | hos-behavior | hos-memory | ...'. It forwards every event \
                unchanged and, at each user's analysis_request (explicit, or implicit at end of input), \
                writes before the request the user's stored records of the window that this input does not \
                have, so that the analysis of a week of new data is the analysis of the whole history: the \
                same results as giving every week at once. The new records win: a (day, metric) that this \
                input has is never replayed.

                WINDOW: the days up to as_of (the request's, else the latest record date of this input or \
                the file, else the request's UTC day), as many as the request's window_days or --days, \
                whichever is more: --days (90) is hos-insights' --correlation-days, so that its \
                correlations see as far back as when every week is given at once (give both the same value \
                when you change one). The file keeps --short-term-days (90) of records, so replay gives at \
                most that.

                REPLAYED RECORDS: one health_record per stored event and day, with that event's event_id \
                and timestamp, source_agent "hos-memory", the payload's date and the metrics stored from it \
                (payload.source is not stored, so not replayed), and as archetype the one this input's \
                records of the user carried, else the one the user's stored events last stated (table \
                user_archetype), so that the agents, which take it from the records when the request names \
                none, keep the user's archetype. Before them, when this input gave the user no user_profile \
                since their last request, the stored profile (its event_id, time and payload) as a \
                user_profile marked the same way, for hos-nutrition's body data and diet. hos-memory (run, store) passes \
                over a health_record or user_profile whose source_agent is hos-memory, so replayed events are \
                never stored twice (and their event ids are known to the file anyway); every other agent reads them as \
                records. A user with a later analysis_request in the same input gets this input's earlier \
                records too; when other users' requests came in between, the stage first waits (up to \
                --wait seconds) for hos-memory downstream to have stored the earlier request, so that the \
                result never depends on how far that process got.

                The file is only read (a missing file holds nothing to replay: the first run, whose \
                hos-memory downstream creates it). Memory: this input's records of the users whose request \
                has not come, and the id of each user's latest request. --stats adds \
                'replayed=N users=M' (records replayed, users they went to).

                EXIT STATUS: 0 success; 65 bad input; 66 unreadable input; 74 I/O or SQLite error; 64 usage.
                """)

        @OptionGroup public var file: MemoryFileOptions
        @OptionGroup public var stream: StreamOptions
        @Option(help: ArgumentHelp("Days replayed at least (the request's window_days when more).", valueName: "n"))
        public var days = ReplayStage.defaultDays
        @Option(
            help: ArgumentHelp(
                "Seconds to wait for hos-memory downstream to store a user's earlier request.", valueName: "s"))
        public var wait = ReplayStage.defaultWait

        public init() {}

        public func validate() throws {
            guard (1...3660).contains(days) else { throw ValidationError("--days must be from 1 to 3660") }
            guard (0...3600).contains(wait) else { throw ValidationError("--wait must be from 0 to 3600") }
        }

        public func run() throws {
            try runTool(MemoryStage.agent) {
                var o = MemoryOptions()
                o.shortTermDays = file.shortTermDays
                let stage = try ReplayStage(path: file.path, options: o, key: file.key(), days: days, wait: wait)
                let runner = try runStage(stage, tool: MemoryStage.agent, options: stream)
                if stream.stats {
                    printError("\(MemoryStage.agent): replayed=\(runner.stage.replayed) users=\(runner.stage.users)")
                }
            }
        }
    }

    public enum Format: String, ExpressibleByArgument, CaseIterable {
        /// jsonl is json under the name other tools give JSON lines.
        case json, jsonl, table
    }

    public struct Recall: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "recall",
            abstract: "Show what the memory holds of one user, layer by layer.",
            discussion: """
                Layers: working, short_term, long_term, meta, history, adaptation (all when --layer is \
                absent). --format json (or jsonl, the default): every row as it is stored, JSON lines \
                {"table": T, "row": {...}} in table and key order. --format table, for a person: the day \
                records (short_term_record, short_term_stat) as one row per metric (days recorded, baseline: \
                the mean of the last 30 days, recent: of the last 7, and the trend of the last behaviour \
                analysis kept; clock metrics as HH:MM, values rounded), then one aligned block per other \
                table (cells cut to 40 characters). Nothing of another user is ever shown: the user id is \
                compared exactly, as an SQL parameter. The file is verified first (quick_check). Each recall \
                is written to the audit log, unless the file is read-only to this process.
                """)

        @OptionGroup public var file: MemoryFileOptions
        @Option(help: ArgumentHelp("The user.", valueName: "id")) public var user: String
        @Option(help: ArgumentHelp("One layer.", valueName: "layer")) public var layer: String?
        @Option(help: "json (jsonl), the raw rows; or table, a summary to read.") public var format: Format = .json

        public init() {}

        public func validate() throws {
            try checkUserOption(user)
            if let layer, !Schema.layers.contains(where: { $0.name == layer }) {
                throw ValidationError(
                    "unknown layer '\(layer)' (one of: \(Schema.layers.map(\.name).joined(separator: ", ")))")
            }
        }

        public func run() throws {
            try runTool(MemoryStage.agent) {
                let rows = try file.openForReading("recall").recall(user: user, layer: layer, at: memoryNow())
                let out = try OutputSink(path: "-")
                switch format {
                case .json, .jsonl: for r in rows { try out.writeLine(r.json.encoded()) }
                case .table: try out.write(recallTable(rows))
                }
                try out.commit()
            }
        }
    }

    public struct Export: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write every row of one user, in every table, as JSON lines.",
            discussion: """
                One line {"table": T, "row": {...}} per row, tables in alphabetical order, rows in key \
                order; JSON columns are decoded. The file is verified first (quick_check), in the transaction \
                that reads the rows: a damaged file gives no line at all. Written to the audit log, unless the \
                file is read-only to this process.
                """)

        @OptionGroup public var file: MemoryFileOptions
        @Option(help: ArgumentHelp("The user.", valueName: "id")) public var user: String

        public init() {}

        public func validate() throws { try checkUserOption(user) }

        public func run() throws {
            try runTool(MemoryStage.agent) {
                let rows = try file.openForReading("export").export(user: user, at: memoryNow())
                let out = try OutputSink(path: "-")
                for r in rows { try out.writeLine(r.json.encoded()) }
                try out.commit()
            }
        }
    }

    public struct Forget: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "forget",
            abstract: "Delete every row of one user in every table, and every byte of them from the file.",
            discussion: """
                One transaction verifies the file (PRAGMA quick_check: a damaged file is left as it was, exit \
                74), deletes the user's rows from every table that holds users and writes an audit entry \
                (which names no user). SQLite's secure_delete is on, so the deleted rows are overwritten with \
                zeros in the pages that transaction writes; those pages are in the WAL, and the file's old \
                pages still hold the rows, until a checkpoint copies the WAL into the file and truncates it. \
                forget does that checkpoint at once, after rebuilding the file (VACUUM): secure_delete zeroes \
                a deleted row, but a copy that an earlier page split left in a page's unused space survives \
                it, and only a rebuild is sure to drop it. A process reading an older snapshot (a long read \
                transaction, e.g. an open sqlite3 shell) prevents it: forget waits for it up to --wait \
                seconds (default 10), then prints its result with "erased": false and exits 74 with a message \
                saying that the deleted rows' bytes remain in the file and its WAL; 'hos-memory forget \
                --finish' (once the reader is done, or with a longer --wait) completes the erasure, and so \
                does the last process to close the file. Prints {"erased": true|false, "rows": N, "tables": \
                {table: n}}. --vacuum is accepted for scripts written when the rebuild was optional. \
                --user takes any id, even \
                one the user_id rule of hos-events(7) refuses, so that rows stored before the rule can \
                still be erased.
                """)

        @OptionGroup public var file: MemoryFileOptions
        @Option(help: ArgumentHelp("The user (not with --finish).", valueName: "id")) public var user: String?
        @Flag(help: "Accepted for older scripts: forget always rebuilds the file (VACUUM).") public var vacuum = false
        @Option(
            help: ArgumentHelp(
                "Seconds to wait for readers of an older snapshot before giving up (default 10).",
                valueName: "seconds"))
        public var wait: Double?
        @Flag(help: "Only finish the erasure of earlier forgets: checkpoint the WAL into the file and truncate it.")
        public var finish = false

        public init() {}

        public func validate() throws {
            if finish, user != nil || vacuum { throw ValidationError("--finish takes neither --user nor --vacuum") }
            if !finish, user == nil { throw ValidationError("Missing expected argument '--user <id>'") }
            if let wait, !(wait >= 0 && wait <= 86_400) { throw ValidationError("--wait must be from 0 to 86400") }
        }

        public func run() throws {
            try runTool(MemoryStage.agent) {
                let store = try file.open(check: .none)
                let out = try OutputSink(path: "-")
                let erasure: MemoryStore.Erasure
                if let user {
                    let result = try store.forget(user: user, wait: wait, at: memoryNow())
                    erasure = result.erasure
                    let total = result.rows.values.reduce(0, +)
                    try out.writeLine(
                        JSON.object([
                            "erased": .bool(erasure == .complete), "rows": .number(Double(total)),
                            "tables": .object(result.rows.mapValues { .number(Double($0)) }),
                        ]).encoded())
                } else {
                    erasure = try store.finishErasure(wait: wait)
                    try out.writeLine(JSON.object(["erased": .bool(erasure == .complete)]).encoded())
                }
                try out.commit()
                if erasure == .deletedOnServer {
                    printError(
                        "hos-memory: warning: forget: rows deleted in \(store.path); PostgreSQL frees their space "
                            + "when it vacuums, and their bytes may stay in free space and its WAL until reused "
                            + "(VACUUM FULL rewrites the tables)")
                }
                if case .waitedOut(let seconds, let walBytes) = erasure {
                    throw HOSError.io(
                        "forget: the bytes of deleted rows remain in \(file.path) and its WAL (\(walBytes) "
                            + "bytes): another process read an older snapshot for the \(formatSeconds(seconds)) s waited; "
                            + "run 'hos-memory forget --finish --memory \(file.path)' when it is done, or wait longer with --wait"
                    )
                }
            }
        }
    }

    public struct Consolidate: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "consolidate",
            abstract: "Consolidate one user, or every user, now.",
            discussion: """
                Runs the consolidation of 'hos-memory run --help' at the current time ($HOS_NOW when set), \
                which also expires working memory older than its TTL. Prints one JSON line per user: \
                {"user_id", "weeks", "promoted", "expired_working", "pruned_records"}.
                """)

        @OptionGroup public var file: MemoryFileOptions
        @Option(help: ArgumentHelp("Only this user.", valueName: "id")) public var user: String?

        public init() {}

        public func validate() throws { try checkUserOption(user) }

        public func run() throws {
            try runTool(MemoryStage.agent) {
                let reports = try file.open(check: .full).consolidateAll(user: user, now: memoryNow())
                let out = try OutputSink(path: "-")
                for r in reports {
                    var j = r.json.objectValue!
                    j["user_id"] = .string(r.user)
                    try out.writeLine(JSON.object(j).encoded())
                }
                try out.commit()
            }
        }
    }

    public struct Stats: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "Print the file's row counts, users, migrations and size as one JSON object.",
            discussion: """
                Keys: tables (rows per table), users, migrations, journal_mode, bytes, encrypted (false, or \
                the SQLCipher version that encrypts the file, e.g. "4.19.0 community"), and llm: cache_entries \
                and usage, the LLM's totals per agent and model over every user (users, requests with retries, \
                cache_hits, fallbacks, prompt_tokens, completion_tokens, cost_usd), from the llm_usage table \
                that --llm fills (hos-behavior(1)). The file is opened read-only and verified (quick_check).
                """)

        @OptionGroup public var file: MemoryFileOptions

        public init() {}

        public func run() throws {
            try runTool(MemoryStage.agent) {
                let out = try OutputSink(path: "-")
                try out.writeLine(try file.open(readOnly: true, check: .full).stats().encoded())
                try out.commit()
            }
        }
    }

    public struct Check: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check the file: SQLite's integrity check and the store's invariants.",
            discussion: """
                Runs PRAGMA integrity_check, compares the applied migrations with the known ones and the \
                schema with the one they create (an extra or changed table, index, view or trigger is a \
                problem), and counts rows breaking an invariant: an empty user_id in any table, a record \
                or result of no stored event, a clock value outside the day, working memory that expires \
                before it was created, a preference value that is not JSON or last seen before first seen, \
                two chosen arms in one experiment, a candidate streak below 1. Prints 'ok' and exits 0, or \
                prints each problem on standard error and exits 1: a file that is not SQLite, or too damaged to \
                walk, is such a problem too. The file is opened read-only. A file of an earlier version (fewer \
                migrations) is sound: the next command that may write migrates it.
                """)

        @OptionGroup public var file: MemoryFileOptions

        public init() {}

        public func run() throws {
            try runTool(MemoryStage.agent) {
                let problems = try MemoryStore.checkFile(file.path, key: file.key()).problems
                if problems.isEmpty {
                    let out = try OutputSink(path: "-")
                    try out.writeLine(Array("ok".utf8))
                    try out.commit()
                    return
                }
                for p in problems { printError("\(MemoryStage.agent): check: \(p)") }
                throw ArgumentParser.ExitCode(1)
            }
        }
    }

    public struct Backup: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "backup",
            abstract: "Copy the file to FILE with SQLite's online backup, safe while others write.",
            discussion: """
                The copy is one consistent snapshot: every transaction committed before the backup began, \
                none after. It is written beside FILE with mode 0600, verified (quick_check: a damaged memory \
                file gives no backup, exit 74, and an older FILE is kept) and renamed into place, in rollback \
                (DELETE) journal mode, so FILE is one self-contained file. The memory file is opened read-only.
                """)

        @OptionGroup public var file: MemoryFileOptions
        @Argument(help: ArgumentHelp("The copy to write.", valueName: "file")) public var destination: String

        public init() {}

        public func run() throws {
            try runTool(MemoryStage.agent) { try file.open(readOnly: true, check: .none).backup(to: destination) }
        }
    }

    public struct Restore: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Replace the file's content with FILE's, if FILE passes check.",
            discussion: """
                FILE is opened read-only and checked as 'hos-memory check' does; a file with any problem is \
                refused (exit 65) before the memory file is opened, which is left as it was (or not created). Otherwise SQLite's backup copies \
                FILE into the memory file, which goes back to WAL mode and gets any newer migrations. Audit \
                entries written after the backup's newest one are kept; when some are forgets, their users are \
                back (the backup holds them and the audit log keeps no user id): a warning says how many, so \
                that they can be forgotten again. A damaged memory file is replaced all the same (that is the \
                remedy), but its audit entries are not carried over, with a warning; one too damaged to open \
                must be moved aside first.
                """)

        @OptionGroup public var file: MemoryFileOptions
        @Argument(help: ArgumentHelp("The backup to restore.", valueName: "file")) public var source: String

        public init() {}

        public func run() throws {
            try runTool(MemoryStage.agent) {
                // The backup is checked first: a refused restore leaves a missing memory file missing.
                let backup = try MemoryStore.checkedBackup(source, key: file.key())
                let undone = try file.open(create: true, check: .none).restore(from: backup, at: memoryNow())
                if undone > 0 {
                    printError(
                        "\(MemoryStage.agent): warning: \(undone) forget(s) made after this backup are undone: "
                            + "run 'hos-memory forget' again for those users")
                }
            }
        }
    }
}

extension MemoryCommand {
    /// What encrypt, decrypt and rekey say about the file's replacement.
    static let transcribeDiscussion = """
        The file's content is written anew (SQLCipher's sqlcipher_export) beside it with mode 0600, checked \
        as 'hos-memory check' does under its new key, and renamed into place; the old file's bytes are then \
        overwritten with zeros (on a file system that writes in place: copy-on-write file systems, backups and \
        earlier copies keep theirs). Every other process must have closed the file: while one has it open, \
        the command waits 2 s and stops with exit 74, the file unchanged. The memory file is never left half \
        done: until the rename it is the old file, after it the new one. encrypt refuses a file that is not \
        plain SQLite, decrypt a plain one (exit 64).
        """

    public struct Encrypt: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "encrypt",
            abstract: "Encrypt a plain memory file with the key in --key-file (or the memory key file).",
            discussion: transcribeDiscussion)

        @OptionGroup public var file: MemoryFileOptions
        @Option(
            help: ArgumentHelp(
                "The new key's file (default: --memory-key-file, else $HOS_MEMORY_KEY_FILE).", valueName: "file"))
        public var keyFile: String?

        public init() {}

        public func run() throws {
            try runTool(MemoryStage.agent) {
                let key: MemoryKey
                if let keyFile {
                    key = try MemoryKey.load(file: keyFile)
                } else if let k = try file.key() {
                    key = k
                } else {
                    throw HOSError.usage("encrypt: give the key's file with --key-file (or HOS_MEMORY_KEY_FILE)")
                }
                if MemoryStore.isPlain(file.path) == false {
                    throw HOSError.usage("encrypt \(file.path): not a plain file; 'hos-memory rekey' changes a key")
                }
                try file.open(check: .full, plain: true).transcribe(to: key, operation: "encrypt")
            }
        }
    }

    public struct Decrypt: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "decrypt",
            abstract: "Turn an encrypted memory file back into a plain one (its key: --memory-key-file).",
            discussion: transcribeDiscussion)

        @OptionGroup public var file: MemoryFileOptions

        public init() {}

        public func run() throws {
            try runTool(MemoryStage.agent) {
                guard try file.key() != nil else {
                    throw HOSError.usage("decrypt: give the file's key with --memory-key-file (or HOS_MEMORY_KEY_FILE)")
                }
                if MemoryStore.isPlain(file.path) == true {
                    throw HOSError.usage("decrypt \(file.path): not encrypted")
                }
                try file.open(check: .full).transcribe(to: nil, operation: "decrypt")
            }
        }
    }

    public struct Rekey: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "rekey",
            abstract: "Change an encrypted memory file's key: from --memory-key-file's to --key-file's.",
            discussion: transcribeDiscussion)

        @OptionGroup public var file: MemoryFileOptions
        @Option(help: ArgumentHelp("The new key's file.", valueName: "file")) public var keyFile: String

        public init() {}

        public func run() throws {
            try runTool(MemoryStage.agent) {
                guard try file.key() != nil else {
                    throw HOSError.usage("rekey: give the file's key with --memory-key-file (or HOS_MEMORY_KEY_FILE)")
                }
                let newKey = try MemoryKey.load(file: keyFile)
                try file.open(check: .full).transcribe(to: newKey, operation: "rekey")
            }
        }
    }
}

/// Seconds as "10" or "2.5", for messages.
func formatSeconds(_ s: Double) -> String {
    s == s.rounded() ? String(Int(s)) : String(s)
}

/// Rows as aligned text blocks, one per table, for `recall --format table`.
func tableText(_ rows: [TableRow]) -> String {
    var out = ""
    var i = 0
    while i < rows.count {
        let table = rows[i].table
        var j = i
        while j < rows.count, rows[j].table == table { j += 1 }
        let block = rows[i..<j]
        let columns = block.first!.columns.filter { $0 != "user_id" }
        let cells: [[String]] = block.map { r in
            columns.map { c in
                let v = r.row[c] ?? .null
                return printable(v.stringValue ?? v.text, limit: 40)
            }
        }
        out += "\(table) (\(block.count))\n" + aligned([columns] + cells) + "\n"
        i = j
    }
    return out
}
