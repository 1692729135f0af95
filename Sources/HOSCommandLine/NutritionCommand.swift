// hos-nutrition: being written (issue 3).

import ArgumentParser

public struct NutritionCommand: ParsableCommand {
    public init() {}
}
