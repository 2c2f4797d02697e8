"""The Arena and its votes: a round's typed state and its turns (both models answering, metered),
battles (and whether one counts), the vote store, voters and their screening (hygiene), vote reasons
and visitor sessions, and beside the vote store the store of people's 1-5 ratings of Chat answers
(`answer_ratings`, `rating_rules`), which shares its database and refusals. First steps of the
vote → leaderboard path.

May import retrieval, answering (the question check; the engine and its metered streams for a turn),
store and scoring (screening uses the ratings fit; a rating's criteria are the scores'); nothing from
selector, leaderboard, datasets, ui or commands.
"""
