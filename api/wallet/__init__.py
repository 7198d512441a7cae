"""The web wallet page at PUBLIC_URL/wallet: static ES modules that talk to the public GraphQL
API, plus the few things a browser cannot do alone: the refresh-token cookie (`session.py`),
the member card's and coupons' codes drawn as SVG (`codes.py`), and the page's configuration
and brand theme taken from the program file (`page.py`)."""
