"""`python -m ragarena publish --space OWNER/NAME [--private] [--dry-run]`."""

from __future__ import annotations

from ragarena import publish


def register(subparsers) -> None:
    parser = subparsers.add_parser("publish", help="crea o actualiza el Space de Hugging Face")
    parser.add_argument("--space", required=True, metavar="OWNER/NAME")
    parser.add_argument("--private", action="store_true", help="Space privado")
    parser.add_argument("--dry-run", action="store_true", help="muestra lo que enviaría sin tocar nada")
    parser.set_defaults(func=run)


def run(args) -> int:
    p = publish.plan(args.space, args.private)
    print(f"Space: {p.space} ({'privado' if p.private else 'público'}, sdk gradio)")
    print(f"Archivos ({len(p.files)}):")
    for name in p.files:
        print(f"  {name}")
    print("Secretos: " + (", ".join(p.secrets) if p.secrets else "ninguno definido en este entorno"))
    if args.dry_run:
        print("Simulación: no se ha enviado nada.")
        return 0
    url = publish.publish(p)
    print(f"Publicado: {url}")
    return 0
