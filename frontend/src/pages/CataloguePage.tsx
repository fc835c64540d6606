import { Link } from "react-router";
import { ApiError, errorMessage } from "../api/client";
import { getCourses } from "../api/endpoints";
import { useAsync } from "../components/useAsync";

export function Progress({ completed, total, label }: { completed: number; total: number; label: string }) {
  return (
    <div className="progress">
      <progress max={Math.max(total, 1)} value={completed} aria-label={label} />
      <span>
        {completed} of {total} lessons completed
      </span>
    </div>
  );
}

export function CataloguePage() {
  const { state } = useAsync((signal) => getCourses(signal), []);

  return (
    <div className="page">
      <h1>Courses</h1>
      {state.status === "loading" && <p className="muted">Loading courses…</p>}
      {state.status === "error" &&
        (state.error instanceof ApiError && state.error.status === 401 ? (
          <p>
            <Link to="/signin">Go to the sign-in page</Link> to see the courses and your progress.
          </p>
        ) : (
          <p className="error" role="alert">
            Could not load the courses: {errorMessage(state.error)}
          </p>
        ))}
      {state.status === "ready" && state.value.length === 0 && <p className="muted">No courses yet.</p>}
      {state.status === "ready" && state.value.length > 0 && (
        <ul className="course-list">
          {state.value.map((course) => (
            <li key={String(course.id)} className="card">
              <h2>
                <Link to={`/courses/${encodeURIComponent(String(course.id))}`}>{course.title}</Link>
              </h2>
              {course.summary && <p>{course.summary}</p>}
              <Progress
                completed={course.completed}
                total={course.total}
                label={`Progress in ${course.title}`}
              />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
