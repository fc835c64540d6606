import { Link } from "react-router";
import { ApiError, errorMessage } from "../api/client";
import { useCourses } from "../api/queries/learning";
import { Progress } from "../components/Progress";
import styles from "./learning.module.css";

export function CataloguePage() {
  const { data: courses, error } = useCourses();

  return (
    <div className="page">
      <h1>Courses</h1>
      {!courses && !error && <p className="muted">Loading courses…</p>}
      {!courses &&
        error &&
        (error instanceof ApiError && error.status === 401 ? (
          <p>
            <Link to="/signin">Go to the sign-in page</Link> to see the courses and your progress.
          </p>
        ) : (
          <p className="error" role="alert">
            Could not load the courses: {errorMessage(error)}
          </p>
        ))}
      {courses && courses.length === 0 && <p className="muted">No courses yet.</p>}
      {courses && courses.length > 0 && (
        <ul className={styles.courseList}>
          {courses.map((course) => (
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
