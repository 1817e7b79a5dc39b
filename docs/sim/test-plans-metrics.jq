[.messages[4:][]] | {messages: length,
  reachMin: (map(.deliveryShare) | min),
  disseminationMeanMs: (map(.disseminationMs) | add / length * 10 | round / 10),
  disseminationMaxMs: (map(.disseminationMs) | max),
  p50MeanMs: (map(.p50FromFirstMs) | add / length * 10 | round / 10),
  duplicatesMean: (map(.duplicatesPerRouter) | add / length * 1000 | round / 1000)}
