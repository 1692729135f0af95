// `hos-run graph`: the pipeline's steps as a DAG, in plain text or Graphviz DOT.

import HOSCore

extension PipelineSpec {
    /// What a step runs, in words.
    static func describe(_ step: StepSpec) -> String {
        let program: String
        switch step.kind {
        case .agent(let name): program = "hos-\(name)"
        case .run(let command): program = "sh -c \(JSON.string(command).text)"
        }
        let args = step.args.isEmpty ? "" : " " + step.args.joined(separator: " ")
        return program + args
    }

    /// What `incremental:` does, in words; nil without it.
    var incrementalText: String? {
        incremental.map { "incremental: a user is analysed with at least \($0) new days, else answered from memory" }
    }

    /// The DAG as indented text: `input`, each stage, `output`; parallel branches side by side.
    public func graphText() -> String {
        var out = "input" + (incrementalText.map { "  [\($0)]" } ?? "") + "\n"
        for stage in stages {
            switch stage {
            case .step(let s):
                out +=
                    "  -> \(s.id)  [\(Self.describe(s)); timeout \(s.policy.timeoutText), retries \(s.policy.retries), \(s.policy.onFailure.rawValue)]\n"
            case .parallel(let branches, _):
                out += "  -> parallel\n"
                for s in branches {
                    out +=
                        "       | \(s.id)  [\(Self.describe(s)); timeout \(s.policy.timeoutText), retries \(s.policy.retries), \(s.policy.onFailure.rawValue)]\n"
                }
                out += "     join\n"
            }
        }
        out += "  -> output (\(output.rawValue))\n"
        return out
    }

    /// The DAG in Graphviz DOT: `hos-run graph --dot p.yaml | dot -Tsvg > p.svg`.
    public func graphDOT() -> String {
        func q(_ s: String) -> String { JSON.string(s).text }
        var out = "digraph \(q(name)) {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n"
        let input = incrementalText.map { ", label=\(q("input\n\($0)"))" } ?? ""
        out +=
            "  \"input\" [shape=oval\(input)];\n  \"output\" [shape=oval, label=\(q("output (\(output.rawValue))"))];\n"
        var previous = ["input"]
        for (i, stage) in stages.enumerated() {
            switch stage {
            case .step(let s):
                out += "  \(q(s.id)) [label=\(q("\(s.id)\n\(Self.describe(s))"))];\n"
                for p in previous { out += "  \(q(p)) -> \(q(s.id));\n" }
                previous = [s.id]
            case .parallel(let branches, _):
                let join = "join\(i)"
                out += "  \(q(join)) [shape=point];\n"
                for s in branches {
                    out += "  \(q(s.id)) [label=\(q("\(s.id)\n\(Self.describe(s))"))];\n"
                    for p in previous { out += "  \(q(p)) -> \(q(s.id));\n" }
                    out += "  \(q(s.id)) -> \(q(join));\n"
                }
                previous = [join]
            }
        }
        for p in previous { out += "  \(q(p)) -> \"output\";\n" }
        return out + "}\n"
    }
}
