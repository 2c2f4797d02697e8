"""English for the checks of battle files and of the battles the store takes (`ragarena.core.battles`,
`ragarena.core.battle_checks`): `import-votes` and `VoteStore.import_battles` refusals, and the rows
every rating leaves out (`ragarena.core.vote_filter`)."""

EN = {
    "cada combate debe ser un objeto JSON, no {kind}.": "each battle must be a JSON object, not {kind}.",
    "faltan los campos {fields}.": "the fields {fields} are missing.",
    "model_a y model_b son el mismo modelo ({model}).": "model_a and model_b are the same model ({model}).",
    "valor de 'winner' no válido ({value}); se admite {allowed}.": "invalid 'winner' value ({value}); allowed: {allowed}.",
    "modo no válido ({mode}); se admite {allowed}.": "invalid mode ({mode}); allowed: {allowed}.",
    "JSON no válido ({reason}).": "invalid JSON ({reason}).",
    "'battle_id' repetido (ya está en la línea {line}).": "repeated 'battle_id' (already on line {line}).",
    "una lista": "a list",
    "un objeto": "an object",
    "true/false o un texto": "true/false or a text",
    "'{key}' debe ser un nombre de modelo (texto no vacío).": "'{key}' must be a model name (non-empty text).",
    "'{key}' no es un nombre de modelo válido ({value}): solo letras, cifras, espacios y . - _ / : + @ ( ), "
    "hasta {max} caracteres, sin direcciones.": "'{key}' is not a valid model name ({value}): only letters, digits, spaces and . - _ / : + @ ( ), "
    "up to {max} characters, no addresses.",
    "'{key}' debe ser un número finito (segundos desde 1970).": "'{key}' must be a finite number (seconds since 1970).",
    "'{key}' debe ser {kind}, no {value}.": "'{key}' must be {kind}, not {value}.",
    "'battle_id' no puede estar vacío.": "'battle_id' cannot be empty.",
    "'{path}' tiene un carácter no válido (un sustituto UTF-16 suelto, como \\ud800); corrige el texto.": "'{path}' holds an invalid character (a lone UTF-16 surrogate, such as \\ud800); fix the text.",
    "'{path}' tiene un número no finito (NaN o infinito), que JSON no admite.": "'{path}' holds a non-finite number (NaN or infinity), which JSON does not allow.",
    "'{key}' fuera del intervalo admitido ({value}): debe estar entre el 1 de enero de 2023 y un día después de "
    "hoy, en segundos desde 1970 (UTC).": "'{key}' is out of the accepted range ({value}): it must lie between 1 January 2023 and one day after "
    "today, in seconds since 1970 (UTC).",
    "'{path}' debe ser un número de 0 en adelante, true/false o null, no {value}.": "'{path}' must be a number from 0 up, true/false or null, not {value}.",
    # ragarena/core/vote_filter.py: rows left out of every rating
    "combate {number}": "battle {number}",
    "{n} filas no son combates válidos y no cuentan; la primera: {problem}": "{n} rows are not valid battles and do not count; the first: {problem}",
}
