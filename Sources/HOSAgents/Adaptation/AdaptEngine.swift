// hos-adapt's decision for one user at a barrier: a pure function of the user's history, the pool and the controls.

import Glibc
import HOSCore

/// A control event (named in hos-events(7)), as hos-adapt honours it.
public enum AdaptControl: Sendable, Equatable {
    /// `adapt_difficulty`: run the difficulty rule, or (with a direction) step as asked.
    case difficulty(DifficultyRule.Request?, reason: String?)
    /// `test_strategy`: run the A/B test on one dimension (all when nil), optionally among some arms only.
    case test(dimension: String?, arms: [String]?)
    /// `optimize_recommendations`: exploit: the arm with the highest posterior mean (one dimension, or all).
    case optimize(dimension: String?)

    /// The control of an event, checked; nil for an event that is not a control event.
    public static func parse(_ event: Event) throws(EventProblem) -> AdaptControl? {
        let p = event.payload
        func dimension() throws(EventProblem) -> String? {
            switch p["dimension"] {
            case nil, .null?: return nil
            case .string(let d)? where AdaptationRules.arms(of: d) != nil: return d
            case _?:
                throw EventProblem(
                    "payload.dimension must be one of " + AdaptationRules.dimensions.map(\.name).joined(separator: ", ")
                )
            }
        }
        switch event.eventType {
        case AdaptEvents.adaptDifficulty:
            var request: DifficultyRule.Request?
            switch p["direction"] {
            case nil, .null?: request = nil
            case .string(let s)? where DifficultyRule.Request(rawValue: s) != nil:
                request = DifficultyRule.Request(rawValue: s)
            case _?: throw EventProblem("payload.direction must be up, down or hold")
            }
            var reason: String?
            switch p["reason"] {
            case nil, .null?: reason = nil
            case .string(let s)?: reason = s
            case _?: throw EventProblem("payload.reason must be a string")
            }
            return .difficulty(request, reason: reason)
        case AdaptEvents.testStrategy:
            let dim = try dimension()
            switch p["arms"] {
            case nil, .null?: return .test(dimension: dim, arms: nil)
            case .array(let a)?:
                guard let dim else { throw EventProblem("payload.arms needs payload.dimension") }
                let known = AdaptationRules.arms(of: dim)!
                var arms: [String] = []
                for v in a {
                    guard let s = v.stringValue, known.contains(s) else {
                        throw EventProblem("payload.arms of \(dim) must be among " + known.joined(separator: ", "))
                    }
                    if !arms.contains(s) { arms.append(s) }
                }
                guard arms.count >= 2 else { throw EventProblem("payload.arms must name at least 2 different arms") }
                return .test(dimension: dim, arms: known.filter(arms.contains))
            case _?: throw EventProblem("payload.arms must be an array")
            }
        case AdaptEvents.optimizeRecommendations:
            return .optimize(dimension: try dimension())
        default:
            return nil
        }
    }
}

/// The event types hos-adapt reads beyond plans and feedback.
public enum AdaptEvents {
    public static let adaptDifficulty = "adapt_difficulty"
    public static let testStrategy = "test_strategy"
    public static let optimizeRecommendations = "optimize_recommendations"
    public static let controls: Set<String> = [adaptDifficulty, testStrategy, optimizeRecommendations]
}

/// A routine plan seen in the user's window (since the last barrier).
public struct WindowPlan: Sendable, Equatable {
    public var planID: String
    public var date: LocalDate?
    public var focus: String?
    public var readinessState: String?
    public var items: [AdaptPlanItem]

    public init(planID: String, date: LocalDate?, focus: String?, readinessState: String?, items: [AdaptPlanItem]) {
        self.planID = planID
        self.date = date
        self.focus = focus
        self.readinessState = readinessState
        self.items = items
    }

    /// A `routine_plan` payload, checked.
    public init(payload p: [String: JSON]) throws(EventProblem) {
        let plan = try RoutinePlanPayload(payload: p)
        self.init(
            planID: plan.planID, date: plan.date, focus: plan.focus,
            readinessState: plan.basis["readiness_state"]?.stringValue, items: try AdaptPlanItem.items(ofPlan: plan))
    }
}

/// How hos-adapt runs: the policy, the exploration floor, the seed and what an archetype switch does.
public struct AdaptSettings: Sendable, Equatable {
    public var policy: AdaptPolicy
    public var explore: Double
    public var seed: UInt64
    public var archetypeSwitch: ArchetypeSwitchStrategy

    public init(
        policy: AdaptPolicy = .thompson, explore: Double = AdaptationRules.defaultExplore, seed: UInt64 = 42,
        archetypeSwitch: ArchetypeSwitchStrategy = .adaptive
    ) {
        self.policy = policy
        self.explore = explore
        self.seed = seed
        self.archetypeSwitch = archetypeSwitch
    }
}

/// What the engine reads about one user at a barrier.
public struct AdaptInput: Sendable {
    public var user: String
    public var archetype: Archetype
    public var analysisID: String
    /// The request's event id (names the decision) and timestamp (the decision's time).
    public var requestID: String
    public var timestamp: String
    /// The user's history, including what this window brought.
    public var history: AdaptHistory
    public var windowFeedback: [AdaptFeedback]
    public var windowPlans: [WindowPlan]
    public var controls: [AdaptControl]
    public var truth: OracleTruth?

    public init(
        user: String, archetype: Archetype, analysisID: String, requestID: String, timestamp: String,
        history: AdaptHistory, windowFeedback: [AdaptFeedback] = [], windowPlans: [WindowPlan] = [],
        controls: [AdaptControl] = [], truth: OracleTruth? = nil
    ) {
        self.user = user
        self.archetype = archetype
        self.analysisID = analysisID
        self.requestID = requestID
        self.timestamp = timestamp
        self.history = history
        self.windowFeedback = windowFeedback
        self.windowPlans = windowPlans
        self.controls = controls
        self.truth = truth
    }
}

/// The decision of one barrier: the `adaptation` payload and what the memory file keeps of it.
public struct AdaptOutcome: Sendable {
    public var payload: AdaptationPayload
    public var difficulty: DifficultyDecision
    public var predictedMean: Double
    /// The user's arms with their new counts and choice (adapt_arm).
    public var arms: [AdaptArmState]
    /// New decisions and earlier ones whose plan or reward changed (adapt_decision).
    public var decisions: [AdaptDecisionLog]
    /// The archetype switch this decision saw, to be recorded (adapt_switch).
    public var archetypeSwitch: ArchetypeSwitchRecord?
}

/// hos-adapt's engine.
public struct AdaptEngine: Sendable {
    public let settings: AdaptSettings

    public init(settings: AdaptSettings) { self.settings = settings }

    /// The decision id of a request: the same request always names the same decision.
    public static func decisionID(user: String, requestID: String) -> String {
        "ad-" + StableHash.hex(StableHash.of("adapt-decision", user, requestID))
    }

    /// One user's adaptation at an analysis. The steps: which parts run, the difficulty, one experiment per
    /// dimension, the decision log's links and rewards, the adherence prediction, effectiveness, and feedback.
    public func decide(_ input: AdaptInput, pool: AdaptPool) -> AdaptOutcome {
        let h = input.history
        let join = FeedbackJoin(items: h.items, feedback: h.feedback)
        let success = SuccessAnalysis(join)
        let plans = PlanOutcome.of(join)
        let parts = parts(input.controls)
        // What the person's learning reads: under a fresh archetype switch, only evidence since the switch,
        // and the difficulty starts again from the new archetype's base.
        let switching = ArchetypeSwitchState.at(input, strategy: settings.archetypeSwitch)
        let learning = switching?.learning(join) ?? join
        var difficultyInput = input
        if let s = switching, s.isNew, s.ownWeight < 1 { difficultyInput.history.difficulty = nil }
        // How the person answers (day by day, or once per item) is theirs, whatever the archetype: read once.
        let oncePerItem = Self.answersPerItem(join) <= 1
        let difficulty = difficulty(
            difficultyInput, parts: parts, plans: PlanOutcome.of(learning), oncePerItem: oncePerItem)

        let latestPlan = input.windowPlans.last
        let context = Self.decisionContext(
            input.archetype, difficulty: difficulty.to, feedback: success.overall.n,
            latestPlan: latestPlan)
        var experiments: [ExperimentReport] = []
        var armStates: [AdaptArmState] = []
        var newDecisions: [AdaptDecisionLog] = []
        var chosenNow: [String: String] = [:]
        var posteriors: [String: [ArmPosterior]] = [:]
        for (dim, armNames) in AdaptationRules.dimensions {
            let e = experiment(
                dim, arms: armNames, input: input, join: learning, mode: parts.modes[dim], pool: pool,
                switching: switching, oncePerItem: oncePerItem, context: context)
            posteriors[dim] = e.arms
            experiments.append(e.report)
            armStates += e.states
            if let d = e.decision { newDecisions.append(d) }
            if let c = e.chosen { chosenNow[dim] = c }
        }

        // The decision log: plans link to the decision that shaped them, feedback gives the reward.
        let updated = Self.linkAndReward(history: h.decisions, windowPlans: input.windowPlans, join: join)

        let prediction = Self.predict(
            join: join, success: success, plans: plans, latestItems: latestPlan?.items ?? Self.latestItems(h.items),
            chosen: chosenNow, posteriors: posteriors)
        let effectiveness = Self.effectiveness(
            plans: plans, join: join,
            decisions: h.decisions.map { d in
                updated.first { $0.decisionID == d.decisionID && $0.dimension == d.dimension } ?? d
            } + newDecisions, chosen: chosenNow)

        let evolution = ItemEvolution.of(learning, posteriors: posteriors)
        var payload = AdaptationPayload()
        payload.difficulty = difficulty
        (payload.tolerance, payload.items) = (evolution.tolerance, evolution.items)
        payload.experiments = experiments
        payload.predictedAdherence = prediction.report
        payload.effectiveness = effectiveness
        payload.success = success.report
        payload.feedback = Self.feedbackReport(input, join: join)
        payload.policy = settings.policy.rawValue
        payload.explore = JSON.rounded(settings.explore, places: 4)
        if let s = switching, s.applies { payload.archetypeSwitch = s.report }
        if parts.controlled {
            payload.controls = input.controls.map { c in
                switch c {
                case .difficulty: AdaptEvents.adaptDifficulty
                case .test: AdaptEvents.testStrategy
                case .optimize: AdaptEvents.optimizeRecommendations
                }
            }
        }
        return AdaptOutcome(
            payload: payload, difficulty: difficulty, predictedMean: prediction.mean, arms: armStates,
            decisions: newDecisions + updated, archetypeSwitch: switching.flatMap { $0.isNew ? $0.record : nil })
    }

    /// Which parts of a decision run, from the analysis's control events.
    struct Parts {
        /// True when the analysis has control events: then only the parts they name run.
        var controlled: Bool
        var difficultyControl: AdaptControl?
        /// The dimensions that choose an arm, with the policy and the arms allowed (nil: all); the others hold.
        var modes: [String: (policy: AdaptPolicy, arms: [String]?)]
    }

    /// Which parts run: all without control events; with them, only the parts they name.
    func parts(_ controls: [AdaptControl]) -> Parts {
        var difficultyControl: AdaptControl?
        var modes: [String: (policy: AdaptPolicy, arms: [String]?)] = [:]
        for c in controls {
            switch c {
            case .difficulty: difficultyControl = c
            case .test(let dim, let arms):
                for (name, _) in AdaptationRules.dimensions where dim == nil || dim == name {
                    modes[name] = (settings.policy, arms)
                }
            case .optimize(let dim):
                for (name, _) in AdaptationRules.dimensions where dim == nil || dim == name {
                    modes[name] = (.greedy, nil)
                }
            }
        }
        if controls.isEmpty {
            for (name, _) in AdaptationRules.dimensions { modes[name] = (settings.policy, nil) }
        }
        return Parts(controlled: !controls.isEmpty, difficultyControl: difficultyControl, modes: modes)
    }

    /// The difficulty: as requested by a control event, held when controls leave it out, the oracle's with
    /// --truth, else the rule on the plans' outcomes (a plan counting with one load feedback for a person who
    /// answers once per item).
    func difficulty(_ input: AdaptInput, parts: Parts, plans: [PlanOutcome], oncePerItem: Bool = false)
        -> DifficultyDecision
    {
        let current = input.history.difficulty ?? ArchetypePolicy.of(input.archetype).baseDifficulty
        if case .difficulty(let request, let reason)? = parts.difficultyControl, let request {
            return DifficultyRule.requested(current: current, request, reason: reason)
        }
        if parts.controlled && parts.difficultyControl == nil {
            return DifficultyDecision(
                from: current, to: current, rule: "not_requested",
                reason: "holding at \(current): the control events of this analysis did not ask for adapt_difficulty")
        }
        if settings.policy == .oracle, let t = input.truth {
            return DifficultyRule.oracle(current: current, capacity: t.intensityCapacity)
        }
        return DifficultyRule.decide(
            current: current, plans: plans, minFeedback: oncePerItem ? 1 : AdaptationRules.minLoadFeedback)
    }

    /// The context a decision is logged with: archetype, difficulty, feedback seen, and the latest plan's day.
    static func decisionContext(
        _ archetype: Archetype, difficulty: Int, feedback: Int,
        latestPlan: WindowPlan?
    ) -> [String: JSON] {
        var context: [String: JSON] = [
            "archetype": .string(archetype.name), "difficulty": .number(Double(difficulty)),
            "feedback": .number(Double(feedback)),
        ]
        if let f = latestPlan?.focus { context["focus"] = .string(f) }
        if let s = latestPlan?.readinessState { context["readiness_state"] = .string(s) }
        if let d = latestPlan?.date {
            context["plan_date"] = .string(d.description)
            context["weekday"] = .number(Double(d.weekday))
        }
        return context
    }

    /// One dimension's experiment: the arms' posteriors, the arm chosen (or the one held), its payload entry,
    /// the arms' stored state and the decision logged.
    struct Experiment {
        var arms: [ArmPosterior]
        var chosen: String?
        var report: ExperimentReport
        var states: [AdaptArmState]
        var decision: AdaptDecisionLog?
    }

    /// One dimension: Beta posteriors from the pooled prior and this user's outcomes, p_best, and the choice
    /// among the allowed arms by the policy (when the dimension runs; else the previous choice holds).
    func experiment(
        _ dim: String, arms armNames: [String], input: AdaptInput, join: FeedbackJoin,
        mode: (policy: AdaptPolicy, arms: [String]?)?, pool: AdaptPool, switching: ArchetypeSwitchState? = nil,
        oncePerItem: Bool = false, context: [String: JSON]
    ) -> Experiment {
        let archetype = input.archetype
        let decisionID = Self.decisionID(user: input.user, requestID: input.requestID)
        let (arms, priorSource) = Self.posteriors(
            dim, arms: armNames, input: input, join: join, pool: pool, switching: switching)
        var entry = ExperimentReport()
        entry.dimension = dim
        var probabilities: [String: Double] = [:]
        var chosen = input.history.arms.first { $0.dimension == dim && $0.chosen }?.arm
        var decision: AdaptDecisionLog?
        if let mode {
            let candidates = mode.arms.map { allowed in arms.filter { allowed.contains($0.arm) } } ?? arms
            var subset = candidates
            if subset.count < arms.count {
                let p = BetaDistribution.pBest(subset.map(\.distribution))
                for i in subset.indices { subset[i].pBest = p[i] }
            }
            var rng = AdaptRandom(seed: settings.seed, stream: "adapt", input.user, input.requestID, dim)
            let choice = ArmChooser.choose(
                subset, policy: mode.policy, explore: settings.explore,
                preferred: input.truth?.arms[dim], rng: &rng)
            for a in arms { probabilities[a.arm] = 0 }
            for (a, p) in zip(subset, choice.probabilities) { probabilities[a.arm] = p }
            let arm = subset[choice.index].arm
            chosen = arm
            if AdaptationRules.perDay.contains(dim) {
                let days = Self.schedule(
                    subset, first: choice.index, policy: mode.policy, seed: settings.seed,
                    user: input.user, request: input.requestID, dimension: dim,
                    draws: oncePerItem ? 2 : AdaptationRules.scheduleDays)
                if Set(days).count > 1 { entry.schedule = days }
            }
            let propensity = max(AdaptationRules.minPropensity, probabilities[arm] ?? 0)
            entry.propensity = JSON.rounded(propensity, places: 6)
            entry.policy = mode.policy.rawValue
            entry.mode = choice.mode
            entry.decisionID = decisionID
            entry.testedArms = mode.arms
            decision = AdaptDecisionLog(
                decisionID: decisionID, dimension: dim, analysisID: input.analysisID, decidedAt: input.timestamp,
                policy: mode.policy.rawValue, chosen: arm, propensity: propensity,
                arms: arms.map {
                    ArmSnapshot(
                        arm: $0.arm, alpha: $0.alpha, beta: $0.beta, pBest: $0.pBest,
                        probability: probabilities[$0.arm] ?? 0)
                },
                context: context)
        } else {
            entry.held = true
        }
        entry.chosen = chosen
        entry.arms = arms.map { Self.armReport($0, probability: probabilities[$0.arm]) }
        entry.prior = priorSource
        let changes = ChangeDetection.weights(join, dimension: dim).changes
        if !changes.isEmpty { entry.changes = changes }
        let states = arms.map { a in
            AdaptArmState(
                user: input.user, archetype: archetype.name, dimension: dim, arm: a.arm,
                priorAlpha: a.priorAlpha, priorBeta: a.priorBeta, successes: a.successes,
                failures: a.failures, pulls: a.pulls, pBest: a.pBest, chosen: a.arm == chosen)
        }
        return Experiment(arms: arms, chosen: chosen, report: entry, states: states, decision: decision)
    }

    /// The arm of each day of the next plan: day 0's is the logged draw; each other day is the policy's own
    /// independent draw (Thompson: a draw from every posterior, the largest wins; random: uniform; greedy and
    /// the oracle: day 0's arm), without the exploration floor, which the logged draw already keeps. While
    /// the arms are uncertain one plan tries several; once one is clearly best, every day takes it.
    ///
    /// `draws` is how many: one per day for a user who answers day by day; a user who answers once per item
    /// and plan gets two (day 0's for the even days, one more for the odd days), because each item is then
    /// one answer, and every further arm would add an item to learn one bit from.
    static func schedule(
        _ arms: [ArmPosterior], first: Int, policy: AdaptPolicy, seed: UInt64, user: String, request: String,
        dimension: String, draws: Int = AdaptationRules.scheduleDays
    ) -> [String] {
        var drawn = [arms[first].arm]
        for day in 1..<max(1, min(draws, AdaptationRules.scheduleDays)) {
            var rng = AdaptRandom(seed: seed, stream: "adapt-day", user, request, dimension, String(day))
            switch policy {
            case .thompson: drawn.append(arms[ArmChooser.thompsonDraw(arms, rng: &rng)].arm)
            case .random: drawn.append(arms[ArmChooser.uniformIndex(arms.count, rng: &rng)].arm)
            case .greedy, .oracle: drawn.append(arms[first].arm)
            }
        }
        return (0..<AdaptationRules.scheduleDays).map { drawn[$0 % drawn.count] }
    }

    /// The median number of feedbacks per plan item and plan in the user's history (7 for a user who answers
    /// day by day, 1 for one who answers once per item); 7 without any.
    static func answersPerItem(_ join: FeedbackJoin) -> Int {
        var counts: [String: Int] = [:]
        for (item, _) in join.pairs { counts[FeedbackJoin.key(item.planID, item.itemID), default: 0] += 1 }
        guard !counts.isEmpty else { return AdaptationRules.scheduleDays }
        let sorted = counts.values.sorted()
        return sorted[sorted.count / 2]
    }

    /// A dimension's arms as Beta posteriors: the pooled prior (as an archetype switch has it, plus a stated
    /// preferred time's pseudo-counts) and this user's successes and failures, with p_best; and where each
    /// prior came from.
    static func posteriors(
        _ dim: String, arms armNames: [String], input: AdaptInput, join: FeedbackJoin,
        pool: AdaptPool, switching: ArchetypeSwitchState? = nil
    ) -> ([ArmPosterior], [String: PriorSource]) {
        let counts = ArmPosterior.counts(join, dimension: dim)
        var arms: [ArmPosterior] = []
        var priorSource: [String: PriorSource] = [:]
        for name in armNames {
            var prior =
                switching?.prior(pool, user: input.user, dimension: dim, arm: name)
                ?? pool.prior(user: input.user, archetype: input.archetype.name, dimension: dim, arm: name)
            // A stated preferred time is the user's own prior, on top of the pooled one.
            if let s = FeedbackEvidence.statedPrior(input.history.statedExercise, dimension: dim, arm: name) {
                prior.alpha += s.successes
                prior.beta += s.failures
                prior.source.stated = input.history.statedExercise.preferredTime?.description
                (prior.source.statedSuccesses, prior.source.statedFailures) = (s.successes, s.failures)
            }
            let c = counts[name]
            arms.append(
                ArmPosterior(
                    arm: name, priorAlpha: prior.alpha, priorBeta: prior.beta,
                    successes: c?.s ?? 0, failures: c?.f ?? 0, pulls: c?.plans.count ?? 0))
            priorSource[name] = prior.source
        }
        let pBest = BetaDistribution.pBest(arms.map(\.distribution))
        for i in arms.indices { arms[i].pBest = pBest[i] }
        return (arms, priorSource)
    }

    /// One arm in the adaptation payload; `probability` is its chance of being chosen now, when it ran.
    static func armReport(_ a: ArmPosterior, probability: Double?) -> ArmReport {
        func r(_ v: Double) -> Double { JSON.rounded(v, places: 4) }
        var j = ArmReport()
        j.arm = a.arm
        (j.successes, j.failures, j.pBest) = (r(a.successes), r(a.failures), r(a.pBest))
        (j.alpha, j.beta, j.mean) = (r(a.alpha), r(a.beta), r(a.mean))
        (j.priorAlpha, j.priorBeta, j.pulls) = (r(a.priorAlpha), r(a.priorBeta), a.pulls)
        j.probability = probability.map(r)
        return j
    }

    /// Feedback of this window that names no stored plan item: reported, never guessed.
    static func feedbackReport(_ input: AdaptInput, join: FeedbackJoin) -> FeedbackReport {
        let known = Set(input.history.items.map { FeedbackJoin.key($0.planID, $0.itemID) })
        let unknown = input.windowFeedback.filter { !known.contains(FeedbackJoin.key($0.planID, $0.itemID)) }
        let unknownIDs = Array(Set(unknown.map { $0.planID + "/" + $0.itemID })).sorted()
        var r = FeedbackReport()
        r.received = input.windowFeedback.count
        r.matched = input.windowFeedback.count - unknown.count
        r.unknown = UnknownFeedback()
        r.unknown?.count = unknown.count
        r.unknown?.ids = Array(unknownIDs.prefix(AdaptationRules.maxUnknownIDs))
        r.storedUnmatched = join.unmatched.count
        return r
    }

    /// The items of the user's latest plan in the file (by date, then plan id).
    static func latestItems(_ items: [AdaptPlanItem]) -> [AdaptPlanItem] {
        guard
            let last = items.max(by: {
                ($0.date?.daysSinceEpoch ?? Int.min, $0.planID) < ($1.date?.daysSinceEpoch ?? Int.min, $1.planID)
            })
        else { return [] }
        return items.filter { $0.planID == last.planID }
    }

    /// Links each plan of the window to the latest decision not yet linked (applied when the plan's item
    /// carries the chosen arm), and recomputes the reward of every linked decision from its plan's feedback
    /// on the dimension's items. Returns the decisions that changed.
    static func linkAndReward(history: [AdaptDecisionLog], windowPlans: [WindowPlan], join: FeedbackJoin)
        -> [AdaptDecisionLog]
    {
        var decisions = history
        var changed = Set<Int>()
        for plan in windowPlans {
            guard
                let latest = decisions.indices.filter({ decisions[$0].planID == nil }).map({ decisions[$0].decisionID })
                    .last
            else { break }
            // A plan already linked (a replayed window) links nothing new.
            if decisions.contains(where: { $0.planID == plan.planID }) { continue }
            for i in decisions.indices where decisions[i].decisionID == latest && decisions[i].planID == nil {
                decisions[i].planID = plan.planID
                decisions[i].applied = plan.items.contains { $0.variant[decisions[i].dimension] == decisions[i].chosen }
                changed.insert(i)
            }
        }
        var byPlan: [String: [(AdaptPlanItem, AdaptFeedback)]] = [:]
        for (item, f) in join.pairs { byPlan[item.planID, default: []].append((item, f)) }
        for i in decisions.indices {
            guard let plan = decisions[i].planID, let pairs = byPlan[plan] else { continue }
            // The chosen arm's items: with a schedule the plan's other days carry other arms.
            let scores = pairs.filter { $0.0.variant[decisions[i].dimension] == decisions[i].chosen }.map { $0.1.score }
            guard !scores.isEmpty else { continue }
            let reward = scores.reduce(0, +) / Double(scores.count)
            if decisions[i].reward != reward || decisions[i].rewardN != scores.count {
                decisions[i].reward = reward
                decisions[i].rewardN = scores.count
                changed.insert(i)
            }
        }
        return changed.sorted().map { decisions[$0] }
    }

    /// Expected adherence of the next plan: the mean over the latest plan's items of each item's posterior
    /// mean (the chosen arm's posterior for an item with a variant, else the user's Beta(1 + S, 1 + F) of
    /// its category), with a 90% interval from the posteriors' variance plus the variance of k items × d
    /// days of outcomes, μ(1 − μ) / (k·d), by the normal approximation, clipped to 0–1.
    static func predict(
        join: FeedbackJoin, success: SuccessAnalysis, plans: [PlanOutcome], latestItems: [AdaptPlanItem],
        chosen: [String: String], posteriors: [String: [ArmPosterior]]
    ) -> Prediction {
        var parts: [BetaDistribution] = []
        for item in latestItems {
            var dists: [BetaDistribution] = []
            for (dim, _) in item.variant.sorted(by: { $0.key < $1.key }) {
                if let arm = chosen[dim], let post = posteriors[dim]?.first(where: { $0.arm == arm }) {
                    dists.append(post.distribution)
                }
            }
            if dists.isEmpty {
                let t = success.byCategory[item.category] ?? AdherenceTally()
                dists.append(BetaDistribution(1 + t.sum, 1 + Double(t.n) - t.sum))
            }
            // An item with several tested dimensions: the mean of its posteriors.
            let m = dists.map(\.mean).reduce(0, +) / Double(dists.count)
            let v = dists.map(\.variance).reduce(0, +) / Double(dists.count * dists.count)
            parts.append(BetaDistribution.matching(mean: m, variance: v))
        }
        if parts.isEmpty {
            let t = success.overall
            parts = [BetaDistribution(1 + t.sum, 1 + Double(t.n) - t.sum)]
        }
        let k = Double(parts.count)
        let mean = parts.map(\.mean).reduce(0, +) / k
        let days = Double(max(1, plans.last?.days ?? 1))
        let variance = parts.map(\.variance).reduce(0, +) / (k * k) + mean * (1 - mean) / (k * days)
        let half = AdaptationRules.intervalZ * variance.squareRoot()
        return Prediction(
            mean: mean, low: max(0, mean - half), high: min(1, mean + half), items: parts.count,
            days: Int(days))
    }

    /// Adherence per plan, before and since adaptation began (the first plan that followed a decision), and
    /// the lift of the arms chosen now over the other arms on the same dimensions.
    static func effectiveness(
        plans: [PlanOutcome], join: FeedbackJoin, decisions: [AdaptDecisionLog],
        chosen: [String: String]
    ) -> Effectiveness {
        let linked = Set(decisions.compactMap(\.planID))
        let sinceDate = plans.first { linked.contains($0.planID) }?.date
        var before = AdherenceTally()
        var since = AdherenceTally()
        for (item, f) in join.pairs {
            if let s = sinceDate, let d = item.date, d >= s { since.add(f) } else if sinceDate != nil { before.add(f) }
        }
        var chosenTally = AdherenceTally()
        var others = AdherenceTally()
        for (item, f) in join.pairs {
            for (dim, arm) in item.variant {
                guard let c = chosen[dim] else { continue }
                if arm == c { chosenTally.add(f) } else { others.add(f) }
            }
        }
        var out = Effectiveness()
        if let a = chosenTally.adherence, let b = others.adherence { out.lift = JSON.rounded(a - b, places: 4) }
        out.adherence = plans.suffix(AdaptationRules.maxSeries).map { p in
            var j = PlanAdherence()
            (j.planID, j.date, j.difficulty) = (p.planID, p.date, p.difficulty)
            (j.adherence, j.n) = (JSON.rounded(p.all.adherence ?? 0, places: 4), p.all.n)
            return j
        }
        (out.chosenArms, out.otherArms) = (chosenTally.summary, others.summary)
        out.decisions = decisions.count
        out.rewarded = decisions.filter { $0.reward != nil }.count
        if let s = sinceDate { (out.since, out.before, out.after) = (s, before.summary, since.summary) }
        return out
    }
}

/// The predicted adherence of the next plan.
public struct Prediction: Sendable, Equatable {
    public var mean: Double
    public var low: Double
    public var high: Double
    public var items: Int
    public var days: Int

    /// As the adaptation payload reports it, rounded to 4 places.
    public var report: PredictedAdherence {
        func r(_ v: Double) -> Double { JSON.rounded(v, places: 4) }
        return PredictedAdherence(
            mean: r(mean), low: r(low), high: r(high), level: AdaptationRules.intervalLevel, items: items, days: days)
    }
}

extension BetaDistribution {
    /// The Beta with a given mean and variance (a variance too large for a Beta is reduced to the largest).
    static func matching(mean m: Double, variance v: Double) -> BetaDistribution {
        let m = min(max(m, 1e-9), 1 - 1e-9)
        let v = min(max(v, 1e-12), m * (1 - m) * 0.999)
        let s = m * (1 - m) / v - 1
        return BetaDistribution(m * s, (1 - m) * s)
    }
}
