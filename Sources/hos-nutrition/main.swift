import HOSCommandLine

@main extension NutritionCommand {}
