"""Charity: the member's chosen cause, donations of points, and donation totals."""
