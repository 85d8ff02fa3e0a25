"""The columnar backend: the checked rule set evaluated over a population at
once, with numpy, to the same answers as the interpreter (evaluate.py, the
reference), exactly.

Modules, one per concern:

- tables: a population as columns. Households (from `Case` objects or from
  the documented columnar input, `from_columns`) are packed into groups of the
  same berekeningsjaar and number of persons; person facts are interval
  tables (value, vanaf per slot), relations pair tables (vanaf, tot per slot).
- money: exact rational columns (numerator array and a static or per-row
  denominator), int64 with a statically tracked bound, Python ints beyond it.
- calendar: day ordinals and month indices, the calendar built-ins.
- compiler: which rules compile (`Plan`, with 'niet ondersteund door de
  kolomsgewijze rekenwijze' naming rule and place for what does not), and the
  evaluator of one group (`GroupRun`): each rule a table over (household[,
  person][, month]), each formula evaluated once over all rows, errors as
  per-row codes combined in the interpreter's order of evaluation, so that a
  household gets exactly the error the interpreter raises for it.
- known: 'zoals bekend op' as the same group with its fact slots masked by
  what was known on each household's day (channels, knowledge in the case).
- batch: run a plan over a population and read values and errors per household.
- differential: both backends on the same cases, every value compared.

    plan = Plan(rule_set)                      # once per rule set
    population = Population.from_cases(rule_set, cases)   # or Population(rule_set, from_columns(...))
    result = batch.run(plan, population, [rule_set.rule("kindgebonden_budget")])
    value, error = result.cell(rule_set.rule("kindgebonden_budget"), household_index)
"""
