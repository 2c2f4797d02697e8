"""English for the settings checks (`ragarena.settings`, the `models.yaml` registry) and the checks
of what reaches the answer path (the model chosen, the question's characters)."""

EN = {
    "{name} debe ser {what} (vale «{value}»).": "{name} must be {what} (it is “{value}”).",
    "1 o 0": "1 or 0",
    "un entero positivo": "a positive integer",
    "un entero mayor o igual que 0": "an integer of 0 or more",
    "un número de segundos mayor que 0": "a number of seconds greater than 0",
    "un número de segundos mayor o igual que 0": "a number of seconds of 0 or more",
    "un número de minutos mayor que 0": "a number of minutes greater than 0",
    "uno de: {choices}": "one of: {choices}",
    "un número de puerto (1-65535)": "a port number (1-65535)",
    # models.yaml
    "«models» debe ser una lista": "“models” must be a list",
    "«{path}», línea {line}": "“{path}”, line {line}",
    "«{path}», modelo {number}": "“{path}”, model {number}",
    "{where}: cada modelo necesita «id» y «kind» ({entry}).": "{where}: every model needs “id” and “kind” ({entry}).",
    "{where}: tipo de modelo desconocido «{kind}» en «{model}».": "{where}: unknown model kind “{kind}” in “{model}”.",
    "{where}: el id «{model}» está repetido; cada modelo necesita un id distinto.": "{where}: the id “{model}” is repeated; every model needs a different id.",
    "{where}: clave desconocida «{key}» en «{model}»; se admite: {known}.": "{where}: unknown key “{key}” in “{model}”; allowed: {known}.",
    "{where}: «{key}» de «{model}» debe ser {what} (vale {value}).": "{where}: “{key}” of “{model}” must be {what} (it is {value}).",
    "un texto": "a text",
    "true o false": "true or false",
    "una fecha (AAAA-MM-DD)": "a date (YYYY-MM-DD)",
    "un número entero": "an integer",
    "un número": "a number",
    "mayor que 0": "greater than 0",
    "mayor o igual que 0": "0 or more",
    # the answer path (Chat, Arena) and the question check
    "Elige un modelo de la lista antes de preguntar.": "Choose a model from the list before asking.",
    "La pregunta contiene caracteres no válidos; escríbela de nuevo como texto normal.": "The question contains invalid characters; type it again as plain text.",
}
