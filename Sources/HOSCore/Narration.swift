// The seam between the deterministic agents and an optional language model: a Narrator turns an
// agent's aggregated facts into words. The agents stay pure: the narrator is injected, and any
// failure leaves the deterministic text in place.

/// What an agent asks a narrator for: words about facts it has already computed.
public struct NarrationRequest: Sendable, Equatable {
    /// The asking agent (`hos-behavior`): picks the prompt file and the accounting row.
    public var agent: String
    /// The user, for the cache and the accounting rows only: it is never put in a prompt.
    public var user: String
    /// The archetype's name, the prompt's main input (tone, focus).
    public var archetype: String
    /// The aggregated numbers and labels the prompt carries, and nothing else.
    public var facts: JSON
    /// How many items a list reply must hold (insight wordings, plan item explanations); nil: a text reply.
    public var items: Int?

    public init(agent: String, user: String, archetype: String, facts: JSON, items: Int? = nil) {
        self.agent = agent
        self.user = user
        self.archetype = archetype
        self.facts = facts
        self.items = items
    }
}

/// What a narrator gives back: the words, or why there are none.
public enum Narration: Sendable, Equatable {
    /// A text reply (`items == nil`).
    case text(String)
    /// A list reply, one string per requested item, in order.
    case items([String])
    /// No words: the agent keeps its deterministic text and marks the event `"llm": "fallback"`.
    /// The reason is a short code (`budget`, `timeout`, `http_429`, `schema`, ...), never a secret.
    case fallback(String)
}

/// Something that words an agent's facts; the LLM client behind `--llm` is one.
public protocol Narrator: AnyObject {
    /// Never throws: every failure is a `.fallback`.
    func narrate(_ request: NarrationRequest) -> Narration
}

/// How an agent marks its payload: `llm` is `ok` or `fallback`, `llm_reason` says why it fell back,
/// and the words go in `narrative`, beside the numbers, never instead of them.
public enum NarrationMark {
    public static func apply(_ result: Narration, to payload: inout [String: JSON], narrative: (Narration) -> JSON?) {
        switch result {
        case .fallback(let reason):
            payload["llm"] = "fallback"
            payload["llm_reason"] = .string(reason)
        default:
            if let words = narrative(result) {
                payload["llm"] = "ok"
                payload["narrative"] = words
            } else {
                payload["llm"] = "fallback"
                payload["llm_reason"] = "shape"
            }
        }
    }
}
