"""volt's offline ML lab: trains on `volt replay --label` rows, exports models the engine scores."""
