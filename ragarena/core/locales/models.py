"""English for model availability: which API model a server still serves (ragarena/answering/model_check.py), the
fine-tuned model's engines (models.yaml: vLLM, SGLang or TGI) and how to enable them."""

EN = {
    # --- ragarena/answering/models.py: a model several engines can serve -----------------------------------
    "{first} O bien: {second}": "{first} Or: {second}",
    # --- ragarena/answering/backends/openai_backend.py: an OpenAI-compatible engine of your own --------------
    "Define {url_env} con la dirección /v1 de un servidor vLLM o SGLang (y {model_env} con el nombre del "
    "modelo o adaptador servido) para activarlo.": "Set {url_env} to the /v1 address of a vLLM or SGLang server (and {model_env} to the served model "
    "or adapter name) to enable it.",
    # --- ragarena/answering/model_check.py: what GET /v1/models says ---------------------------------------
    "retirado por OpenAI el {date}: define {env} con un modelo actual": "retired by OpenAI on {date}: set {env} to a current model",
    "el servidor {url} no sirve «{model}» (sirve: {served}). Si es un adaptador LoRA, arranca vLLM con "
    "--enable-lora --lora-modules {model}=RUTA (SGLang: --lora-paths {model}=RUTA), o define {env} con uno de "
    "los nombres servidos": "the server {url} does not serve “{model}” (it serves: {served}). If it is a LoRA adapter, start vLLM "
    "with --enable-lora --lora-modules {model}=PATH (SGLang: --lora-paths {model}=PATH), or set {env} to "
    "one of the served names",
    "el servidor {url} no ofrece «{model}» (ofrece: {served}): define {env} con un modelo actual": "the server {url} does not offer “{model}” (it offers: {served}): set {env} to a current model",
    "se ofrece solo cuando su servidor ({url}) lo anuncia en /v1/models, y no lo ha anunciado": "offered only when its server ({url}) lists it in /v1/models, and it does not",
    "OpenAI retirará «{model}» el {date}: define {env} con un modelo actual antes de esa fecha.": "OpenAI will retire “{model}” on {date}: set {env} to a current model before then.",
}
