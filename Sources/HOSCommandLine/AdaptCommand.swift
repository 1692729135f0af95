// hos-adapt: the adaptation engine (difficulty, A/B tests by Thompson sampling, prediction), its decision log
// and off-line evaluation, over the shared memory file.

import ArgumentParser
import Foundation
import HOSAgents
import HOSCore
import HOSMemory

extension AdaptPolicy: ExpressibleByArgument {}
extension ArchetypeSwitchStrategy: ExpressibleByArgument {}

/// The rules the help text cites.
private typealias R = AdaptationRules

public struct AdaptCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hos-adapt",
        abstract: "Learn from plan_feedback: adjust difficulty, run per-user A/B tests, predict adherence.",
        discussion: """
            The adaptation engine. As an agent (the default subcommand, 'run') it reads plan_feedback and \
            routine_plan events, decides at each user's analysis_request, writes one adaptation event and \
            stores its decision in the memory file, from which hos-memory's next memory_context carries it \
            (adaptation_state.difficulty and .variants) to hos-routine. 'evaluate' estimates other policies' \
            value off-line from the logged decisions (inverse propensity scoring), 'log' prints the decision \
            log (JSON, or Vowpal Wabbit's --cb format), 'posterior' shows Beta posteriors and seeded draws. \
            When a user's archetype changes, what was learned of the person stays and the archetype's \
            priors change: 'run --archetype-switch adaptive' (the default), fresh or blend:N (ARCHETYPE \
            SWITCH in 'hos-adapt run --help'). See 'hos-adapt run --help' for every rule and field.

            EXIT STATUS: 0 success; 64 usage; 65 bad input; 66 unreadable input; 74 I/O or SQLite error; \
            78 a bad --truth file, or a user missing from it.
            """,
        version: hosVersion,
        subcommands: [Run.self, Evaluate.self, Log.self, Posterior.self],
        defaultSubcommand: Run.self)

    public init() {}

    public struct Run: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "The agent: learn from plan_feedback and write one adaptation per user analysis.",
            discussion: """
                An agent (hos-events(7)): it forwards every event unchanged and, at each user's \
                analysis_request (explicit, or implicit at end of input), writes one adaptation event for that \
                user before the request. It reads plan_feedback, routine_plan and the control events \
                adapt_difficulty, test_strategy and optimize_recommendations since the user's last request, \
                and the memory file (--memory PATH, else $HOS_MEMORY, else ./hos-memory.sqlite; created \
                when missing, as hos-memory(1) describes). No clock is read: a decision's time is its \
                request's timestamp, and its random draws come from --seed and the ids of the user, the \
                request and the dimension, so the same input, file and seed give the same output.

                WHERE IT SITS: last, after hos-routine: '... | hos-memory | hos-nutrition | hos-routine | \
                hos-insights | hos-adapt'. The routine_plan of analysis t reaches hos-adapt but not \
                hos-memory, so hos-adapt stores each plan it sees (history and plan_item rows, as hos-memory \
                would) and each plan_feedback (plan_feedback rows; idempotent by event_id), so that the \
                feedback of run t+1 finds the plan items of run t. Its decision in run t shapes the plan of \
                run t+1, whose feedback arrives in run t+2.

                SUCCESS ANALYSIS: every stored plan_feedback of the user joined to the stored plan item it \
                names (plan_id, item_id). Score: completed 1, partial 0.5, skipped 0; adherence = mean \
                score, completed = share completed. payload.success: overall, by_category, by_weekday (of \
                the feedback's date: mon … sun), by_intensity (the item's), by_variant ("dimension=arm"), \
                each {adherence, completed, n}. payload.feedback: received (plan_feedback events of this \
                window), matched, unknown {count, ids ["plan_id/item_id", sorted, at most 20]} for feedback \
                naming no plan item stored for the user (reported, never used), stored_unmatched (all such \
                feedback in the file).

                DIFFICULTY (1–5), payload.difficulty {from, to, rule, reason}: from is adaptation_state's \
                difficulty, else the archetype's base \
                (\(ArchetypePolicy.words(ArchetypePolicy.byDifficulty) { "\(ArchetypePolicy.of($0).baseDifficulty)" })). \
                A plan counts when it has at least 3 feedbacks on its load items (intensity ≥ 2: exercise, \
                focus; all its items when it has none; 1 for a user who answers once per item and plan, the \
                median of their feedbacks per plan item being 1); its load adherence is their mean score. Up one step \
                (rule up) when the last 2 counted plans were both made at the current difficulty and both \
                have load adherence ≥ 0.80, unless a step to the level above was taken back within the \
                last 6 counted plans; down one step (rule down) when both ≤ 0.50; and a step up that does \
                not hold is taken back (rule step_back): both plans at the current level < 0.65 while the 2 \
                counted plans before them were at the level below with ≥ 0.80. Else hold. Because only \
                plans made at the current difficulty count, a step waits for 2 plans at the new level \
                (hysteresis), and no decision moves more than one step. The bounds 1 and 5 hold.

                EXPERIMENTS (A/B tests), per user and dimension: exercise_time (morning, midday, evening) \
                and sleep_shift (gradual, direct), the variants hos-routine places items by. Each arm has a \
                Beta posterior: alpha = prior_alpha + successes, beta = prior_beta + failures, where \
                successes is the sum of the user's feedback scores on items carrying the arm and failures \
                the sum of 1 − score (the conjugate update, partial counting half). Preferences that move: \
                plans are taken in date order, using at each only what was known then; for each arm the plan \
                carried, each split of that arm's last 8 plans into earlier evidence (before the split) and \
                recent (from the split on) is tested, recent plans no harder than earlier ones: at each \
                intensity i, recent items of intensity i or less (n1 feedbacks, r1) against earlier ones of \
                intensity i or more (n0, r0: a drop on a harder plan is no move), by a one-sided \
                two-proportion z-test on Laplace-smoothed rates, r = (s + 1) / (n + 2), \
                z = (r0 − r1) / √(p(1 − p)(1/n0 + 1/n1)) with p the smoothed pooled rate; z ≥ 1.96 (p < \
                0.025), with n0 ≥ 7 and n1 ≥ 5, is a change beginning at the split of the largest z (listed \
                in experiments[].changes), and every feedback on the dimension from before it then counts \
                0.1 (per change), so the other \
                arms are tried again. Pooled prior, for \
                newcomers and everyone: Beta(1 + w·p, 1 + w·(1 − p)), with p = (S_A + 20·p_pop) / (N_A + 20) \
                the arm's rate among other users of the same archetype shrunk toward the population rate \
                p_pop = S_pop / N_pop (0.5 when no one has tried the arm); S and N are other users' stored \
                successes and feedbacks on the arm (adapt_arm), read once, when the run's first decision is \
                made. Its strength w = min(20, (1 − ρ) / ρ, N / k) comes from how much those users agree: ρ, the \
                intra-class correlation of a beta-binomial fitted by the method of moments to the k other \
                users' counts (s_i of n_i) on the arm, ρ = (S / (p̂(1 − p̂)) − (k − 1)) / (N − Σ n_i²/N − \
                (k − 1)) within 0–1, where p̂ = Σ s_i / N, N = Σ n_i and S = Σ n_i (s_i/n_i − p̂)², over the \
                archetype's users when there are at least 3 of them, else over all users; with fewer than 3, \
                w = 0. Where users agree (ρ near 0) the prior adds up to 20 pseudo-feedbacks; where they \
                disagree (ρ = 0.3: w = 2.3) it adds little, and the person's own feedback dominates within a \
                week; and it is never more than N / k, those users' mean feedbacks on the arm, so that it \
                never outweighs a typical user's own evidence (where users answer once a week per item, ρ \
                from a few answers each is unreliable). The payload reports ρ as prior.ARM.dispersion. p_best of an arm is the probability that its value is the \
                largest, ∫ f_a(x) Π F_b(x) dx, by Gauss–Legendre quadrature.

                SCHEDULE (several arms in one plan): a plan is followed for \(AdaptationRules.scheduleDays) days, \
                and where the arm may differ from day to day (exercise_time; sleep_shift is a strategy for the \
                whole week) each day gets its own draw: day 0's is the logged decision (chosen, with its \
                propensity and the --explore floor); each other day is an independent draw of the same policy \
                (thompson: from each posterior, the largest wins; random: uniform; greedy and oracle: day 0's \
                arm), without the floor. While the arms are uncertain a plan tries several, one feedback per \
                day each; once one arm is clearly best, every day takes it. A user who answers once per item \
                and plan (the median of their feedbacks per plan item is 1) gets two draws, day 0's on the \
                even days and one more on the odd days: each item is then one answer, so a plan tries at \
                most two arms. experiments[].schedule lists the \
                arm of each day (absent when all are chosen); hos-memory keeps it, memory_context carries it \
                as adaptation_state.schedules, and hos-routine gives each arm its own item with its dates \
                (items[].days; the arm with the most days keeps the id exercise, the others are named \
                exercise-ARM). A decision's reward is the feedback on its chosen arm's items.

                ITEMS AND TOLERANCE: each item of the user's plans gets a verdict from its own completion (mean \
                score) on the plans that had it (at least \(AdaptationRules.minItemFeedback) feedbacks each, \
                replayed in date order; a schedule's exercise-ARM items count as exercise): keep at or above \
                0.80, replace below 0.40, adapt between, and a verdict changes only when the completion passes \
                a threshold by \(AdaptationRules.verdictMargin) (hysteresis). The latest verdict's action \
                (payload.items[]): none (keep); another_time when the item's strategy arm is not its \
                dimension's settled best (the experiment moves it); lighter when its category's tolerance is \
                below its intensity; else shorter (adapt: hos-routine takes a quarter off its minutes) or \
                replace (its simplest form: intensity 1, the shortest minutes). A category's tolerance \
                (payload.tolerance[]: the highest intensity its items may have) is learned from fair \
                evidence only: items without a strategy arm, or at their dimension's settled best arm (p_best \
                ≥ \(AdaptationRules.settledPBest), or every arm tried \(Int(AdaptationRules.exploredFeedback)) \
                times: when even the best time fails, the intensity is the suspect). Replayed over the \
                plans, feedback accumulates per intensity since the cap last moved; an intensity of 2 or more \
                whose completion is clearly below 0.80 (P(p < 0.8) ≥ \(AdaptationRules.lowerConfidence) \
                under Beta(1 + s, 1 + n − s), n ≥ \(AdaptationRules.minToleranceFeedback)) lowers the cap \
                to one below it (state lowered); after \(AdaptationRules.probeAfterPlans) plans at a cap the \
                level above is tried again (raised), unless it has failed \(AdaptationRules.maxLevelFailures) \
                times. hos-memory keeps both (adapt_tolerance, adapt_item), memory_context carries them \
                (adaptation_state.tolerance, item_actions), and hos-routine caps each item's intensity by its \
                category's tolerance and applies the actions (the sleep wind-down, which sets lights out, \
                excepted).

                WHAT PEOPLE SAY (the weights of AdaptationRules): a plan_feedback may carry a rating (1–5) and \
                a reason (wrong_time, too_hard, too_easy, no_time), and each feedback adds w·score to its \
                arm's successes and w·(1 − score) to its failures. Without either, w = 1 and the score is the \
                status's: a user who says nothing is learned from completions alone. A rating of 1–2 lowers \
                the score by \(R.ratingShift), 4–5 raises it by as much, within 0–1 (a completed item rated 1–2 \
                scores \(1 - R.ratingShift), a skipped one rated 4–5 \(R.ratingShift); a rating that agrees \
                with the status changes nothing). On the dimensions that place an item in the day \
                (\(R.timeDimensions.sorted().joined(separator: ", "))), wrong_time is a failure of the item's \
                arm counted \(Int(R.wrongTimeWeight)) times (w = \(Int(R.wrongTimeWeight)), score 0, whatever the \
                status), and no_time, too_hard and too_easy say the time was not the trouble: w = \
                \(R.otherReasonWeight). A preferred time stated in user_profile exercise.preferred_time \
                (morning, midday, evening, or HH:MM: before 11:00 morning, before 16:00 midday, else evening) \
                is the user's own prior on exercise_time: \(Int(R.statedSuccesses)) pseudo-successes on the \
                stated arm and \(Int(R.statedFailures)) pseudo-failures on each other arm, on top of the pooled \
                prior (prior.ARM.stated, stated_successes, stated_failures). hos-adapt reads it from the \
                memory file, where hos-memory upstream keeps it as preference exercise_preferred_time (so \
                a profile sent once counts in every later run; without hos-memory before it, a stated time \
                is not seen).

                POLICIES (--policy): thompson (default: one draw from each arm's posterior, the largest \
                wins, so P(arm) = p_best); greedy (the highest posterior mean); random (each arm 1/k); \
                oracle (the user's preferred arm and one difficulty step toward the intensity capacity, from \
                --truth: a reference for evaluation, not a learner). Under thompson and greedy every arm keeps \
                a probability of at least --explore (ε): with probability k·ε the arm is drawn uniformly, so \
                P(arm) = ε + (1 − k·ε)·P_policy(arm), and every propensity lies in [ε, 1 − (k − 1)·ε]. \
                thompson, greedy and random set difficulty by the DIFFICULTY rule; oracle steps toward the capacity.

                ARCHETYPE SWITCH (--archetype-switch): when a request's archetype is not the one the user's \
                arms were last decided with (adapt_arm.archetype), hos-adapt records the switch (table \
                adapt_switch: user, from, to, switched_at (the request's timestamp), since (its date), \
                analysis_id, strategy) and follows the strategy it was seen under until the next switch. What \
                was learned of the person is theirs: their own arm counts (time, intensity, per-item history) are \
                kept, and only the archetype-level priors change. adaptive (the default): the new archetype's \
                pooled priors replace the old ones at once, over the person's own evidence. fresh: a fresh \
                start: the person's evidence from before the switch (feedback on plans dated before since) \
                counts 0 in the experiments and the difficulty rule, and the difficulty starts again from the \
                new archetype's base; it stays in the file and in payload.success. blend:N (N from 1 to 52): \
                the person's evidence is kept and each arm's prior mixes the two archetypes' pooled priors, \
                alpha = w·alpha_new + (1 − w)·alpha_old and likewise beta, with w = min(1, (k + 1) / N) after k \
                decisions since the switch: the plan after the switch gets 1/N, the N-th plan the new prior \
                whole (blend:1 is adaptive). While the switch shapes a decision (adaptive: at the switch; \
                blend:N: for N decisions; fresh: until the next switch) payload.archetype_switch says so: \
                {from, to, since, analysis_id, strategy, plans_since (k), blend_weight (w), own_weight (1, or \
                0 under fresh)}.

                CONTROL EVENTS (named in hos-events(7)): without any, a barrier runs every part. With some in the \
                user's window, only the parts they name run, and the others hold (difficulty rule \
                not_requested; experiments keep their chosen arm, marked held, and log nothing). \
                adapt_difficulty runs the difficulty rule; with payload.direction up, down or hold it steps \
                (one step, within 1–5) or holds as asked (rule requested), with payload.reason quoted in the \
                reason. test_strategy runs the A/B test on payload.dimension (all when absent), among \
                payload.arms only when given (at least 2 known arms). optimize_recommendations exploits: \
                the arm with the highest posterior mean (greedy, still with the --explore floor), on \
                payload.dimension or all. A later control event for the same part wins. A control event with \
                a bad field is bad input.

                DECISION LOG (table adapt_decision): one row per decision and dimension: decision_id \
                ("ad-" and a hash of user and request), analysis_id, decided_at (the request's timestamp), \
                policy, chosen, propensity (the probability with which the chosen arm was chosen, at least \
                1e-9), arms (each arm's alpha, beta, p_best and probability at that moment), context \
                (archetype, difficulty, feedback count, and from the window's routine_plan: focus, \
                readiness_state, plan_date, weekday). The next routine_plan of the user links to the latest \
                unlinked decision (plan_id; applied when its item carries the chosen arm), and the plan's \
                feedback on the items carrying the chosen arm gives the reward (mean score, reward_n). 'hos-adapt \
                evaluate' reads these rows.

                PREDICTION, payload.predicted_adherence {mean, low, high, level 0.9, items, days}: over the \
                items of the user's latest plan (the window's, else the file's), each item's expected score \
                is the posterior mean of its chosen arm (items with a variant) or of Beta(1 + S, 1 + F) of its \
                category's scores; mean is their average. The interval is mean ± 1.645·√(V + mean·(1 − mean) \
                / (k·d)), clipped to 0–1, where V is the variance of the average of the items' posteriors \
                and k·d the outcomes of k items over d days (d: feedback days of the latest plan with \
                feedback, else 1). Without a known plan: the user's overall Beta(1 + S, 1 + F).

                EFFECTIVENESS, payload.effectiveness: adherence [{date (the plan's date), plan_id, difficulty, \
                adherence, n}] per plan with feedback, the last 52; since (the date of the first plan that \
                followed a decision), before and after {adherence, completed, n} around it; chosen_arms and \
                other_arms {adherence, completed, n} over items of the tested dimensions, split by whether \
                their arm is the one chosen now; lift = chosen_arms − other_arms adherence (null when either \
                has no feedback); decisions and rewarded (logged decisions, and those with a reward).

                PAYLOAD, in full: difficulty, experiments [{dimension, arms [{arm, successes, failures, \
                p_best, alpha, beta, mean, prior_alpha, prior_beta, pulls, probability}], chosen, \
                propensity, policy, mode (thompson, explore, greedy, random or oracle), decision_id, \
                tested_arms, held, prior {arm: {archetype_users, archetype_n, population_users, \
                population_n, rate, weight}}}], predicted_adherence, effectiveness, success, feedback, \
                policy, explore, controls (the control events honoured), archetype_switch, replayed. Numbers are rounded to \
                4 decimals (propensities 6).

                MEMORY FILE WRITES, one transaction per decision: the adaptation event as hos-memory stores \
                it (analyses; adaptation_state: difficulty, previous, reason, predicted_adherence = \
                predicted mean; experiment: successes, failures, p_best and chosen per arm, which \
                memory_context.adaptation_state reports as experiments and variants), adapt_arm (per arm: \
                archetype, prior_alpha, prior_beta, successes, failures, pulls, p_best, chosen), \
                adapt_decision, and adapt_switch when the archetype changed. A request answered before (its \
                adaptation event is in the file) gets the stored answer again with replayed true: a decision \
                is never taken twice.

                EXIT STATUS: 0 success; 64 usage; 65 bad input; 66 unreadable input; 74 I/O or SQLite error; \
                78 a bad --truth file, or a user missing from it.
                """)

        @OptionGroup public var stream: StreamOptions

        @Option(
            help: ArgumentHelp(
                "The memory: a file, or postgresql://USER@HOST:PORT/DB?sslmode=… (default: $HOS_MEMORY, else ./hos-memory.sqlite).",
                valueName: "path"))
        public var memory: String?
        @Option(help: memoryKeyFileHelp) public var memoryKeyFile: String?

        @Option(help: "How arms are chosen: thompson, greedy, random or oracle (needs --truth).")
        public var policy: AdaptPolicy = .thompson

        @Option(
            help: ArgumentHelp(
                "Every arm's least probability of being chosen under thompson and greedy (0 to 0.5; at most 1/arms is used).",
                valueName: "p"))
        public var explore: Double = AdaptationRules.defaultExplore

        @Option(help: "Seed of every random draw.")
        public var seed: UInt64 = 42

        @Option(
            help: ArgumentHelp(
                "When a user's archetype changes: adaptive (new archetype's priors at once), fresh (the person's earlier evidence counts 0) or blend:N (priors mixed over N plans).",
                valueName: "strategy"))
        public var archetypeSwitch: ArchetypeSwitchStrategy = .adaptive

        @Option(
            help: ArgumentHelp(
                "hos-synth's --truth file: the users' hidden preferences, for --policy oracle.",
                valueName: "file"))
        public var truth: String?

        public init() {}

        public mutating func validate() throws {
            guard explore >= 0, explore <= 0.5 else { throw ValidationError("--explore must be from 0 to 0.5") }
            if policy == .oracle, truth == nil { throw ValidationError("--policy oracle needs --truth FILE") }
        }

        public func run() throws {
            let tool = AdaptStage<StoreAdaptationMemory>.agent
            try runTool(tool) {
                let oracle = try truth.map(readTruth) ?? [:]
                let store = try openMemory(memory, keyFile: memoryKeyFile)
                let stage = AdaptStage(
                    memory: StoreAdaptationMemory(store: store),
                    settings: AdaptSettings(
                        policy: policy, explore: explore, seed: seed, archetypeSwitch: archetypeSwitch),
                    truth: oracle)
                try runStage(stage, tool: tool, options: stream)
            }
        }

        func readTruth(_ path: String) throws -> [String: OracleTruth] { try readJSONFile(path, OracleTruth.parse) }
    }

    public enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, table
    }

    public struct Evaluate: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "evaluate",
            abstract: "Estimate policies' mean reward off-line from the logged decisions (IPS).",
            discussion: """
                Reads the decision log of the memory file (every user, or --user) and, per dimension and \
                --target policy, estimates the policy's mean reward per decision from the decisions that \
                were applied (the plan carried the chosen arm) and rewarded: IPS = mean of w·r with \
                w = π(chosen) / propensity, its standard error (SD of w·r / √n) and 95% interval ± 1.96 SE, \
                the self-normalised SNIPS = Σ w·r / Σ w, the effective sample size (Σ w)² / Σ w², the \
                largest weight, and the mean logged reward. Targets: logged (the logging policy: w = 1), \
                uniform, greedy (highest posterior mean at decision time), thompson (π = p_best at decision \
                time), thompson:EPS (with an exploration floor), arm:NAME (always that arm). The estimate is \
                unbiased only where the logging policy gave every arm the target chooses a positive \
                probability: log with --explore > 0 (or --policy random) to evaluate freely.

                Output: one JSON line per dimension and target {dimension, policy, n, ips, se, ci95, snips, \
                effective_n, max_weight, logged_mean}, or with --format table an aligned table.
                """)

        @Option(
            help: ArgumentHelp(
                "The memory: a file, or postgresql://USER@HOST:PORT/DB?sslmode=… (default: $HOS_MEMORY, else ./hos-memory.sqlite).",
                valueName: "path"))
        public var memory: String?
        @Option(help: memoryKeyFileHelp) public var memoryKeyFile: String?
        @Option(help: ArgumentHelp("Only this user's decisions.", valueName: "id")) public var user: String?
        @Option(help: ArgumentHelp("Only this dimension.", valueName: "name")) public var dimension: String?
        @Option(
            name: .customLong("target"), parsing: .upToNextOption,
            help: ArgumentHelp(
                "Policies to evaluate (logged, uniform, greedy, thompson, thompson:EPS, arm:NAME).",
                valueName: "policy"))
        public var targets: [String] = ["logged", "uniform", "greedy", "thompson"]
        @Option(help: "json or table.") public var format: Format = .json

        public init() {}

        public func validate() throws {
            try checkUserOption(user)
            for t in targets where TargetPolicy(argument: t) == nil {
                throw ValidationError(
                    "unknown target policy '\(t)' (logged, uniform, greedy, thompson, thompson:EPS, arm:NAME)")
            }
            if let dimension, AdaptationRules.arms(of: dimension) == nil {
                throw ValidationError(
                    "unknown dimension '\(dimension)' (\(AdaptationRules.dimensions.map(\.name).joined(separator: ", ")))"
                )
            }
        }

        public func run() throws {
            try runTool("hos-adapt") {
                let store = try openExisting(memory, keyFile: memoryKeyFile)
                let decisions = try store.adaptationDecisions(user: user, dimension: dimension).map(\.decision)
                var estimates: [OffPolicyEstimate] = []
                for (dim, _) in AdaptationRules.dimensions where dimension == nil || dimension == dim {
                    for t in targets {
                        estimates.append(
                            OffPolicy.evaluate(decisions, dimension: dim, target: TargetPolicy(argument: t)!))
                    }
                }
                let out = try OutputSink(path: "-")
                switch format {
                case .json: for e in estimates { try out.writeLine(e.json.encoded()) }
                case .table: try out.write(estimateTable(estimates))
                }
                try out.commit()
            }
        }

        func estimateTable(_ es: [OffPolicyEstimate]) -> String {
            func f(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "-" }
            var rows = [["dimension", "policy", "n", "ips", "se", "ci95", "snips", "eff_n", "logged"]]
            for e in es {
                rows.append([
                    e.dimension, e.policy, String(e.n), f(e.ips), f(e.standardError),
                    e.low == nil ? "-" : "\(f(e.low))–\(f(e.high))", f(e.snips),
                    String(format: "%.1f", e.effectiveN), f(e.loggedMean),
                ])
            }
            return alignedTable(rows)
        }
    }

    public enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case json, vw
    }

    public struct Log: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "log",
            abstract: "Print the decision log: JSON lines, or Vowpal Wabbit's contextual-bandit format.",
            discussion: """
                One line per logged decision and dimension, oldest first per user. json: {user_id, \
                decision_id, dimension, analysis_id, decided_at, policy, chosen, propensity, arms, context, \
                plan_id, applied, reward, reward_n}. vw (needs --dimension; only applied, rewarded \
                decisions): 'ACTION:COST:PROBABILITY |a archetype=… difficulty=N focus=… readiness=…' with \
                ACTION the 1-based index of the chosen arm in the dimension's arm order and COST = 1 − reward, \
                the input of 'vw --cb K' (K arms) for off-line learning and evaluation. The file is only read.
                """)

        @Option(
            help: ArgumentHelp(
                "The memory: a file, or postgresql://USER@HOST:PORT/DB?sslmode=… (default: $HOS_MEMORY, else ./hos-memory.sqlite).",
                valueName: "path"))
        public var memory: String?
        @Option(help: memoryKeyFileHelp) public var memoryKeyFile: String?
        @Option(help: ArgumentHelp("Only this user's decisions.", valueName: "id")) public var user: String?
        @Option(help: ArgumentHelp("Only this dimension.", valueName: "name")) public var dimension: String?
        @Option(help: "json or vw.") public var format: LogFormat = .json

        public init() {}

        public func validate() throws {
            try checkUserOption(user)
            if let dimension, AdaptationRules.arms(of: dimension) == nil {
                throw ValidationError(
                    "unknown dimension '\(dimension)' (\(AdaptationRules.dimensions.map(\.name).joined(separator: ", ")))"
                )
            }
            if format == .vw, dimension == nil { throw ValidationError("--format vw needs --dimension") }
        }

        public func run() throws {
            try runTool("hos-adapt") {
                let rows = try openExisting(memory, keyFile: memoryKeyFile).adaptationDecisions(
                    user: user, dimension: dimension)
                let out = try OutputSink(path: "-")
                for (user, r) in rows {
                    switch format {
                    case .json:
                        var j: [String: JSON] = [
                            "user_id": .string(user), "decision_id": .string(r.decisionID),
                            "dimension": .string(r.dimension),
                            "analysis_id": .string(r.analysisID), "decided_at": .string(r.decidedAt),
                            "policy": .string(r.policy), "chosen": .string(r.chosen),
                            "propensity": .number(r.propensity, places: 6), "arms": .array(r.arms.map(\.json)),
                            "context": .object(r.context),
                            "reward_n": .number(Double(r.rewardN)),
                        ]
                        if let p = r.planID { j["plan_id"] = .string(p) }
                        if let a = r.applied { j["applied"] = .bool(a) }
                        if let w = r.reward { j["reward"] = .number(w, places: 4) }
                        try out.writeLine(JSON.object(j).encoded())
                    case .vw:
                        guard r.applied == true, let reward = r.reward,
                            let action = AdaptationRules.arms(of: r.dimension)?.firstIndex(of: r.chosen)
                        else { continue }
                        func feature(_ k: String) -> String {
                            guard let v = r.context[k] else { return "" }
                            let text = v.stringValue ?? v.text
                            return " \(k)=" + String(text.map { $0 == " " || $0 == ":" || $0 == "|" ? "_" : $0 })
                        }
                        let line =
                            "\(action + 1):\(vwNumber(1 - reward)):\(vwNumber(r.propensity)) |a"
                            + feature("archetype") + feature("difficulty") + feature("focus")
                            + feature("readiness_state")
                        try out.writeLine(Array(line.utf8))
                    }
                }
                try out.commit()
            }
        }

        func vwNumber(_ v: Double) -> String { String(format: "%.6g", v) }
    }

    public struct Posterior: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "posterior",
            abstract: "Show Beta posteriors: mean, variance, distribution function, p_best, and seeded draws.",
            discussion: """
                For arms given as NAME=ALPHA,BETA (alpha, beta > 0), prints one JSON object: arms [{arm, \
                alpha, beta, mean, variance, cdf {"0.1", "0.25", "0.5", "0.75", "0.9": I_x(alpha, beta)}, \
                p_best}] and, with --draws N, draws {arm: [N values]} from hos-adapt's seeded sampler \
                (Marsaglia–Tsang gamma variates, X / (X + Y)). For checking the numbers against another \
                implementation (scripts/stats_reference.py compares them with scipy.stats.beta); p_best is \
                accurate for alpha, beta ≥ 1.
                """)

        @Option(name: .customLong("arm"), help: ArgumentHelp("An arm: NAME=ALPHA,BETA.", valueName: "arm"))
        public var arms: [String] = []
        @Option(help: "Draws per arm.") public var draws = 0
        @Option(help: "Seed of the draws.") public var seed: UInt64 = 42

        public init() {}

        func parsed() -> [(String, BetaDistribution)]? {
            var out: [(String, BetaDistribution)] = []
            for a in arms {
                let parts = a.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { return nil }
                let ab = parts[1].split(separator: ",")
                guard ab.count == 2, let x = Double(ab[0]), let y = Double(ab[1]), x > 0, y > 0, x.isFinite, y.isFinite,
                    x < 1e9, y < 1e9
                else { return nil }
                out.append((String(parts[0]), BetaDistribution(x, y)))
            }
            return out
        }

        public func validate() throws {
            guard !arms.isEmpty, parsed() != nil else {
                throw ValidationError("give arms as --arm NAME=ALPHA,BETA with alpha and beta positive numbers")
            }
            guard (0...10_000_000).contains(draws) else { throw ValidationError("--draws must be from 0 to 10000000") }
        }

        public func run() throws {
            try runTool("hos-adapt") {
                let arms = parsed()!
                let pBest = BetaDistribution.pBest(arms.map(\.1))
                var list: [JSON] = []
                for ((name, d), p) in zip(arms, pBest) {
                    var cdf: [String: JSON] = [:]
                    for x in ["0.1", "0.25", "0.5", "0.75", "0.9"] { cdf[x] = .number(d.cdf(Double(x)!)) }
                    list.append([
                        "arm": .string(name), "alpha": .number(d.alpha), "beta": .number(d.beta),
                        "mean": .number(d.mean), "variance": .number(d.variance), "cdf": .object(cdf),
                        "p_best": .number(p),
                    ])
                }
                var result: [String: JSON] = ["arms": .array(list)]
                if draws > 0 {
                    var values: [String: JSON] = [:]
                    for (name, d) in arms {
                        var rng = AdaptRandom(seed: seed, stream: "posterior", name)
                        values[name] = .array((0..<draws).map { _ in .number(rng.beta(d.alpha, d.beta)) })
                    }
                    result["draws"] = .object(values)
                }
                let out = try OutputSink(path: "-")
                try out.writeLine(JSON.object(result).encoded())
                try out.commit()
            }
        }
    }
}

/// Opens an existing memory file for reading decisions; a missing file is missing input (66).
func openExisting(_ flag: String?, keyFile: String?) throws -> MemoryStore {
    try openMemory(flag, keyFile: keyFile, create: false)
}

/// Rows of cells as aligned text, the first row the header.
func alignedTable(_ rows: [[String]]) -> String {
    var widths: [Int] = []
    for r in rows {
        for (i, c) in r.enumerated() {
            if i >= widths.count { widths.append(0) }
            widths[i] = max(widths[i], c.count)
        }
    }
    return rows.map { r in
        r.enumerated().map { i, c in i == r.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }
        .joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
}

/// hos-adapt's view of the memory file.
struct StoreAdaptationMemory: AdaptationMemory {
    let store: MemoryStore

    func record(_ events: [Event]) throws {
        if !events.isEmpty { try store.store(events) }
    }

    func history(user: String, resultEventID: String) throws -> AdaptHistory {
        try store.adaptation(user: user, resultEventID: resultEventID)
    }

    func arms() throws -> [AdaptArmState] { try store.adaptationArms() }

    func save(_ outcome: AdaptOutcome, event: Event) throws {
        try store.saveAdaptation(
            event: event, predictedAdherence: outcome.predictedMean, arms: outcome.arms, decisions: outcome.decisions,
            archetypeSwitch: outcome.archetypeSwitch)
    }
}
