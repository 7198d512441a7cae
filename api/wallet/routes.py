"""The wallet's routes, in the order they match."""
from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from api.wallet import codes, page, session


class _Static(StaticFiles):
    """The page's modules and styles: revalidated on every load (ETag), so an upgrade shows at once."""

    def file_response(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = "no-cache"
        return response


def wallet_routes() -> list[BaseRoute]:
    return [
        Route("/wallet", page.index, methods=["GET", "HEAD"]),
        Mount("/wallet/static", app=_Static(directory=page.STATIC), name="wallet-static"),
        Route("/wallet/sw.js", page.service_worker, methods=["GET"]),
        Route("/wallet/config.json", page.config, methods=["GET"]),
        Route("/wallet/theme.css", page.theme_css, methods=["GET"]),
        Route("/wallet/code/{kind}.svg", codes.code_svg, methods=["POST"]),
        Route(session.SESSION_PATH, session.start, methods=["POST"]),
        Route(session.SESSION_PATH + "/refresh", session.refresh, methods=["POST"]),
        Route(session.SESSION_PATH + "/end", session.end, methods=["POST"]),
        Route("/wallet/{screen:path}", page.index, methods=["GET", "HEAD"]),
    ]
