from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.type(description="A member's scores of the nightly RFM scoring, 0 to 5 each (0: nothing to score).")
class RfmScores:
    recency: int = strawberry.field(description="How recently the member bought: 5 most recently, 0 never.")
    frequency: int = strawberry.field(description="How often they bought in the program's window.")
    monetary: int = strawberry.field(description="How much they spent in that window, net of refunds.")
    computed_at: datetime
