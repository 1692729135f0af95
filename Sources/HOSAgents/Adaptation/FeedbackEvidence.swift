// What people say, as evidence: the weight and score each plan_feedback brings to an arm (from its status,
// rating and reason), and a stated preferred time as the user's own prior (hos-adapt(1), WHAT PEOPLE SAY).

import HOSCore

/// How one feedback counts in the arm posteriors; the rules are `AdaptationRules`' (timeDimensions, wrongTimeWeight,
/// otherReasonWeight, ratingShift).
public enum FeedbackEvidence {
    /// What a feedback says about the item's intensity.
    public enum IntensitySignal: Sendable, Equatable {
        case tooHard, tooEasy
    }

    /// The weight and score a feedback brings to the arm of `dimension` its item carried. Without a rating or a
    /// reason: weight 1 and the status's score, so a user who says nothing is counted as before. A rating moves
    /// the score by `ratingShift` (down for 1–2, up for 4–5, within 0–1). On a time dimension, `wrong_time` is the
    /// arm's failure (score 0) counted `wrongTimeWeight` times, and `no_time`, `too_hard`, `too_easy` count
    /// `otherReasonWeight` (the user says the time was not the trouble); elsewhere a reason leaves the weight 1.
    public static func of(_ f: AdaptFeedback, dimension: String) -> (weight: Double, score: Double) {
        let r = AdaptationRules.self
        let score = ratedScore(f)
        guard let reason = f.reason, r.timeDimensions.contains(dimension) else { return (1, score) }
        switch reason {
        case .wrongTime: return (r.wrongTimeWeight, 0)
        case .noTime, .tooHard, .tooEasy: return (r.otherReasonWeight, score)
        }
    }

    /// The status's score moved by the rating: completed 1, partial 0.5, skipped 0; − `ratingShift` for a rating
    /// of 1–2, + `ratingShift` for 4–5, kept within 0–1.
    public static func ratedScore(_ f: AdaptFeedback) -> Double {
        let shift: Double =
            switch f.rating {
            case (1...2)?: -AdaptationRules.ratingShift
            case (4...5)?: AdaptationRules.ratingShift
            default: 0
            }
        return min(1, max(0, f.score + shift))
    }

    /// too_hard or too_easy, when the feedback says so: the evidence a per-category tolerance reads.
    public static func intensity(_ f: AdaptFeedback) -> IntensitySignal? {
        switch f.reason {
        case .tooHard?: .tooHard
        case .tooEasy?: .tooEasy
        default: nil
        }
    }

    /// The pseudo-counts a stated preferred time adds to an arm's prior: `statedSuccesses` on the arm of the
    /// stated window (a clock time falls in its window: before 11:00 morning, before 16:00 midday, else
    /// evening), `statedFailures` on each other arm; nil when nothing is stated or the dimension is not
    /// exercise_time.
    public static func statedPrior(_ stated: ExercisePreferences, dimension: String, arm: String)
        -> (successes: Double, failures: Double)?
    {
        guard dimension == "exercise_time", let time = stated.preferredTime else { return nil }
        return time.window == arm ? (AdaptationRules.statedSuccesses, 0) : (0, AdaptationRules.statedFailures)
    }
}
