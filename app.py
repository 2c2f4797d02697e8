"""Launch RAG Arena: `python app.py` (locally, or as a Hugging Face Space's app_file)."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from ragarena.launch import main

if __name__ == "__main__":
    main()
