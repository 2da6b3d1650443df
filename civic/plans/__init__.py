"""The city's Smart Sustainable City Action Plan (UNECE guidelines): goals tied to baseline KPIs,
workplan actions, score cards, and consultation on draft goals with published revisions."""
