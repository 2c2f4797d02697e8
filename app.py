"""Launch RAG Arena: `python app.py` (locally, or as a Hugging Face Space's app_file)."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from ragarena.launch import main  # noqa: E402  (the environment must be set before gradio loads)

if __name__ == "__main__":
    main()
