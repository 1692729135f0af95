#!/bin/sh
# Six synthetic users, one per archetype, through hos-behavior and hos-nutrition: one line per plan,
# then the first user's rationale and the arithmetic behind it.
hos-synth --users 6 --days 30 --seed 7 --request | hos-behavior | hos-nutrition --explain \
  | jq -rs 'map(select(.event_type == "nutrition_plan"))
      | (.[] | [.user_id, .archetype, .payload.goal, "\(.payload.energy_kcal) kcal",
                "P\(.payload.macros.protein_g)/C\(.payload.macros.carbs_g)/F\(.payload.macros.fat_g) g",
                "\(.payload.hydration_ml) ml", ([.payload.meals[].time] | join(" "))] | @tsv),
        "",
        (.[0].payload | ("rationale:", (.rationale[] | "  " + .), "explain:", (.explain[] | "  " + .)))'
